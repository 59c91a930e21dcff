import { useTranslation } from "react-i18next";
import { NavLink } from "react-router";

/** The assistant's three pages, as links (the current one marked by aria-current). */
export function Sections() {
  const { t } = useTranslation("assistant");
  const items = [
    { to: "/assistant", label: t("sections.insights") },
    { to: "/assistant/chat", label: t("sections.chat") },
    { to: "/assistant/provider", label: t("sections.provider") },
  ];
  return (
    <nav className="asst-sections" aria-label={t("sections.label")}>
      <ul>
        {items.map((i) => (
          <li key={i.to}>
            <NavLink to={i.to} end className="btn btn-small">
              {i.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
