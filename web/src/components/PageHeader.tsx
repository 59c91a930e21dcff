import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";

/** The page's title (also the document's) and its actions. */
export function PageHeader({ title, actions }: { title: string; actions?: ReactNode }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t("app")}`;
  }, [title, t]);
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}
