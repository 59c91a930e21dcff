import { useState } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useNavigate } from "react-router";
import { roleHasTestMode, setTestMode, useTestModeSwitch } from "../api/testMode";
import { logout } from "../auth/session";
import { useSession } from "../auth/useSession";
import { currentLanguage, type Language, languages, setLanguage } from "../i18n";
import { accountNav, navByRole } from "./nav";

function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <label className="lang">
      <span className="visually-hidden">{t("language")}</span>
      <select
        value={currentLanguage()}
        onChange={(e) => void setLanguage(e.target.value as Language)}
        data-testid="language"
      >
        {languages.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`languages.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The test-mode switch (a switch a keyboard turns with Space or Enter). */
function TestModeSwitch() {
  const { t } = useTranslation();
  const on = useTestModeSwitch();
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      className={`btn btn-small btn-ghost mode-switch${on ? " mode-switch-on" : ""}`}
      onClick={() => setTestMode(!on)}
      data-testid="test-mode-switch"
    >
      <span className="mode-switch-track" aria-hidden="true" />
      {t("testMode.switch")}
    </button>
  );
}

/** While test mode is on, on every page: what the user sees is the sandbox, and a way out. */
function TestModeBanner() {
  const { t } = useTranslation();
  return (
    <div className="test-banner" role="status" data-testid="test-mode-banner">
      <p>
        <strong>{t("testMode.banner")}</strong> {t("testMode.bannerDetail")}
      </p>
      <button type="button" className="btn btn-small" onClick={() => setTestMode(false)}>
        {t("testMode.turnOff")}
      </button>
    </div>
  );
}

/** The frame of every page: header, navigation for the user's role, the page. */
export function Shell() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const user = session.status === "signed-in" ? session.user : null;
  const items = user ? navByRole[user.role] : [];
  const switchOn = useTestModeSwitch();
  const hasSwitch = user !== null && roleHasTestMode(user.role);
  const testing = hasSwitch && switchOn;
  return (
    <div className={`shell${testing ? " shell-test" : ""}`}>
      <a className="skip" href="#main">
        {t("skipToContent")}
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          {t("app")}
        </NavLink>
        {user && (
          <button
            type="button"
            className="btn btn-ghost menu-toggle"
            aria-expanded={open}
            aria-controls="nav"
            onClick={() => setOpen(!open)}
          >
            {t("menu")}
          </button>
        )}
        <div className="topbar-end">
          {hasSwitch && <TestModeSwitch />}
          <LanguageSwitch />
        </div>
      </header>
      {testing && <TestModeBanner />}
      {user && (
        <nav id="nav" className={`nav${open ? " nav-open" : ""}`} aria-label={t("nav.main")}>
          <ul>
            {items.map((i) => (
              <li key={i.to}>
                <NavLink to={i.to} onClick={() => setOpen(false)}>
                  {t(i.label)}
                </NavLink>
              </li>
            ))}
            <li className="nav-sep" aria-hidden="true" />
            {accountNav.map((i) => (
              <li key={i.to}>
                <NavLink to={i.to} onClick={() => setOpen(false)}>
                  {t(i.label)}
                </NavLink>
              </li>
            ))}
            <li>
              <button
                type="button"
                className="linklike"
                onClick={async () => {
                  await logout();
                  navigate("/login");
                }}
              >
                {t("nav.logout")}
              </button>
            </li>
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
