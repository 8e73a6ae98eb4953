// A handful of 16px line icons, inline so nothing is fetched at run time.
const PATHS = {
  inbox: "M2 9.5 4 3h8l2 6.5V13H2V9.5Zm0 0h3.5l1 1.5h3l1-1.5H14",
  calendar: "M2.5 4h11v9.5h-11V4Zm0 3h11M5.5 2v3M10.5 2v3",
  tickets: "M2 4.5h12v2a1.5 1.5 0 0 0 0 3v2H2v-2a1.5 1.5 0 0 0 0-3v-2Zm7 0v7",
  contacts: "M8 8a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5Zm-5 5.5c.5-2.5 2.5-3.5 5-3.5s4.5 1 5 3.5",
  settings:
    "M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4Zm5.2-1.2.8.7-1 1.8-1-.3a4.5 4.5 0 0 1-1.3.8L10.5 13h-2l-.3-1.2a4.5 4.5 0 0 1-1.3-.8l-1 .3-1-1.8.8-.7a4.5 4.5 0 0 1 0-1.6L4 6.5l1-1.8 1 .3a4.5 4.5 0 0 1 1.3-.8L7.5 3h2l.2 1.2a4.5 4.5 0 0 1 1.3.8l1-.3 1 1.8-.8.7a4.5 4.5 0 0 1 0 1.6Z",
  sync: "M13 5.5A5 5 0 0 0 3.5 6M3 10.5A5 5 0 0 0 12.5 10M13 2.5v3h-3M3 13.5v-3h3",
  search: "M7 12A5 5 0 1 0 7 2a5 5 0 0 0 0 10Zm3.5-1.5L14 14",
  paperclip: "M10.5 5 6 9.5a1.1 1.1 0 0 0 1.5 1.5L12.5 6a2.2 2.2 0 0 0-3-3L4.5 8a3.3 3.3 0 0 0 4.5 4.5L13 8.5",
  flag: "M3.5 14V2.5m0 0h8l-1.5 3 1.5 3h-8",
  warning: "M8 2 14.5 13.5h-13L8 2Zm0 4.5v3.5m0 1.5v.5",
  close: "M4 4l8 8M12 4l-8 8",
  chevronLeft: "M10 3 5 8l5 5",
  chevronRight: "M6 3l5 5-5 5",
  pause: "M5.5 3.5v9M10.5 3.5v9",
  star: "M8 1.8 9.9 5.7l4.3.6-3.1 3 .7 4.3L8 11.6l-3.8 2 .7-4.3-3.1-3 4.3-.6L8 1.8Z",
  archive: "M2 3h12v3H2V3Zm1 3v7h10V6M6.5 8.5h3",
  trash: "M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9",
  unread: "M2 4h12v8H2V4Zm0 0 6 5 6-5",
  move: "M2 4h4.5l1.5 1.5h6V13H2V4Zm4 5h4.5M9 7.5 10.5 9 9 10.5",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, title }: { name: IconName; title?: string }) {
  return (
    <svg
      className="icon"
      width="16"
      height="16"
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.4"
      strokeLinecap="round"
      strokeLinejoin="round"
      role={title ? "img" : undefined}
      aria-hidden={title ? undefined : true}
    >
      {title && <title>{title}</title>}
      <path d={PATHS[name]} />
    </svg>
  );
}
