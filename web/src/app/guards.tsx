import { useTranslation } from "react-i18next";
import { Navigate, Outlet, useLocation } from "react-router";
import { useSession } from "../auth/useSession";
import { homeOf } from "./nav";

/** Pages for signed-in users: others go to the login page and come back after. */
export function RequireAuth() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  if (session.status === "loading") return <p className="muted">{t("state.loading")}</p>;
  if (session.status === "anonymous") {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return <Outlet />;
}

/** The start page: the role's home, or the login page. */
export function Home() {
  const { t } = useTranslation();
  const session = useSession();
  if (session.status === "loading") return <p className="muted">{t("state.loading")}</p>;
  if (session.status === "anonymous") return <Navigate to="/login" replace />;
  return <Navigate to={homeOf[session.user.role]} replace />;
}

/** Login and sign-up: a signed-in user goes home. */
export function AnonymousOnly() {
  const session = useSession();
  if (session.status === "signed-in") return <Navigate to={homeOf[session.user.role]} replace />;
  return <Outlet />;
}
