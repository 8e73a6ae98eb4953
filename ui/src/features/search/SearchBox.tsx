import { useState, type RefObject } from "react";
import { Icon } from "../../components/Icon";

/**
 * The top-bar search field. `/` focuses it (see app/keyboard). Enter submits and hands
 * the keyboard back to the results, so j/k work straight away; Esc leaves the field.
 */
export function SearchBox({
  inputRef,
  onSearch,
}: {
  inputRef: RefObject<HTMLInputElement | null>;
  onSearch: (query: string) => void;
}) {
  const [value, setValue] = useState("");
  return (
    <form
      className="search-box"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        const query = value.trim();
        if (!query) return;
        onSearch(query);
        inputRef.current?.blur();
      }}
    >
      <Icon name="search" />
      <input
        ref={inputRef}
        type="search"
        data-testid="search-input"
        placeholder="Search mail"
        aria-label="Search mail"
        aria-keyshortcuts="/"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.currentTarget.blur();
          }
        }}
      />
      <kbd className="search-box__hint" aria-hidden="true">
        /
      </kbd>
    </form>
  );
}
