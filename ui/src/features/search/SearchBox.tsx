import { useEffect, useId, useRef, useState, type RefObject } from "react";
import { Icon } from "../../components/Icon";
import { SEARCH_OPERATORS, withOperator } from "./operators";
import "./search.css";

/**
 * The top-bar search field. `/` focuses it (see app/keyboard). Enter submits and hands
 * the keyboard back to the results, so j/k work straight away; Esc leaves the field.
 * The `?` button lists the operators; picking one types it into the field.
 */
export function SearchBox({
  inputRef,
  onSearch,
}: {
  inputRef: RefObject<HTMLInputElement | null>;
  onSearch: (query: string) => void;
}) {
  const [value, setValue] = useState("");
  const [helpOpen, setHelpOpen] = useState(false);
  const helpId = useId();
  const boxRef = useRef<HTMLFormElement>(null);

  // A click anywhere else closes the help.
  useEffect(() => {
    if (!helpOpen) return;
    const onDown = (e: MouseEvent) => {
      if (!boxRef.current?.contains(e.target as Node)) setHelpOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [helpOpen]);

  return (
    <form
      ref={boxRef}
      className="search-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const query = value.trim();
        if (!query) return;
        setHelpOpen(false);
        onSearch(query);
        inputRef.current?.blur();
      }}
      onKeyDown={(e) => {
        // Esc anywhere in the box closes the help first, back to typing.
        if (e.key === "Escape" && helpOpen) {
          e.preventDefault();
          e.stopPropagation();
          setHelpOpen(false);
          inputRef.current?.focus();
        }
      }}
    >
      <Icon name="search" />
      <input
        ref={inputRef}
        type="search"
        data-testid="search-input"
        placeholder="Search mail, or from: is:unread in:sent after:2026-01-31 …"
        aria-label="Search mail"
        aria-keyshortcuts="/"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && !helpOpen) {
            e.preventDefault();
            e.currentTarget.blur();
          }
        }}
      />
      <kbd className="search-box__hint" aria-hidden="true">
        /
      </kbd>
      <button
        type="button"
        className="icon-btn search-box__help-toggle"
        data-testid="search-help-toggle"
        aria-label="Search operators"
        title="Search operators"
        aria-expanded={helpOpen}
        aria-controls={helpId}
        onClick={() => setHelpOpen((open) => !open)}
      >
        ?
      </button>
      {helpOpen && (
        <div
          id={helpId}
          className="search-help"
          role="dialog"
          aria-label="Search operators"
          data-testid="search-help"
        >
          <p className="search-help__intro">
            Words match subject, people, message text and attachment names, newest first. Combine any of:
          </p>
          <ul className="search-help__list">
            {SEARCH_OPERATORS.map((op) => (
              <li key={op.example}>
                <button
                  type="button"
                  className="search-help__row"
                  data-testid="search-operator"
                  onClick={() => {
                    setValue((v) => withOperator(v, op.insert));
                    setHelpOpen(false);
                    inputRef.current?.focus();
                  }}
                >
                  <code>{op.example}</code>
                  <span>{op.meaning}</span>
                </button>
              </li>
            ))}
          </ul>
          <p className="search-help__note">Dates are days in your time zone.</p>
        </div>
      )}
    </form>
  );
}
