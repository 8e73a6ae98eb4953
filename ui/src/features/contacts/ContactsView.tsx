import { useDeferredValue, useState } from "react";
import { useNavigation } from "../../app/navigation";
import { EmptyState } from "../../components/EmptyState";
import { ContactDetailPane } from "./ContactDetailPane";
import { ContactList } from "./ContactList";

export function ContactsView() {
  const nav = useNavigation();
  const [query, setQuery] = useState("");
  // Deferred rather than debounced: typing stays responsive and no timers are involved.
  const deferredQuery = useDeferredValue(query.trim());
  const contactId = nav.state.contactId;
  return (
    <div className="split">
      <div className="split__list">
        <div className="list-toolbar">
          <input
            type="search"
            className="input"
            data-testid="contact-search"
            placeholder="Filter contacts"
            aria-label="Filter contacts"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape" || e.key === "Enter") e.currentTarget.blur();
            }}
          />
        </div>
        <ContactList
          query={deferredQuery}
          openContactId={contactId}
          onOpen={nav.openContact}
          onClose={() => {
            if (contactId === null) return false;
            nav.closeContact();
            return true;
          }}
        />
      </div>
      <div className="split__detail">
        {contactId !== null ? (
          <ContactDetailPane key={contactId} contactId={contactId} onClose={nav.closeContact} />
        ) : (
          <EmptyState title="No contact selected">
            Their messages, events and tickets show up here.
          </EmptyState>
        )}
      </div>
    </div>
  );
}
