// A promoter's points for an admin (from a promoter's row on the users page): its standing,
// the levels, its ledger, and the form to adjust its points.
import { useTranslation } from "react-i18next";
import { Link, useLocation, useParams } from "react-router";
import { useLevels, usePromoterPoints } from "../../api/hooks/points";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { positiveId } from "../../lib/ids";
import { NotFound } from "../NotFound";
import { AdjustForm } from "./components/AdjustForm";
import { Ledger } from "./components/Ledger";
import { LevelLadder } from "./components/LevelLadder";
import { Standing } from "./components/Standing";
import "./points.css";

function PromoterPointsPage({ id }: { id: number }) {
  const { t } = useTranslation("points");
  const location = useLocation();
  const standing = usePromoterPoints(id);
  const levels = useLevels();
  // The users page passes the promoter's name along; by URL, its id names it.
  const passed = (location.state as { name?: unknown } | null)?.name;
  const name = typeof passed === "string" && passed ? passed : t("admin.promoter", { id });

  return (
    <section className="points-root">
      <PageHeader
        title={t("admin.title", { name })}
        actions={
          <Link to="/admin/users?role=promoter" className="btn btn-small">
            {t("admin.back")}
          </Link>
        }
      />
      <QueryState query={standing}>
        {(view) => (
          <div className="stack">
            <p className="muted">{t("admin.intro")}</p>
            <Standing view={view} title={t("standing.promoterTitle")} />
            <AdjustForm promoterId={id} />
            <QueryState query={levels}>
              {(l) => <LevelLadder levels={l.data} lifetime={view.lifetime_points} />}
            </QueryState>
            <Ledger promoterId={id} />
          </div>
        )}
      </QueryState>
    </section>
  );
}

export default function PromoterPoints() {
  const { id } = useParams();
  const promoterId = positiveId(id);
  if (promoterId === null) return <NotFound />;
  return <PromoterPointsPage key={promoterId} id={promoterId} />;
}
