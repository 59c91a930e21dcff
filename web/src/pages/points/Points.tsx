// The promoter's own points (its navigation's "Points"): its level and progress, the levels,
// and its ledger. Other roles are told points belong to promoters.
import { useTranslation } from "react-i18next";
import { useLevels, useMyPoints } from "../../api/hooks/points";
import { useUser } from "../../auth/useSession";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { Ledger } from "./components/Ledger";
import { LevelLadder } from "./components/LevelLadder";
import { RankLine } from "./components/RankLine";
import { Standing } from "./components/Standing";
import "./points.css";

function MyPoints() {
  const { t } = useTranslation("points");
  const mine = useMyPoints();
  const levels = useLevels();
  return (
    <div className="stack">
      <p className="muted">{t("intro")}</p>
      <QueryState query={mine}>
        {(view) => (
          <>
            <Standing view={view} title={t("standing.title")} />
            <RankLine />
            <QueryState query={levels}>
              {(l) => <LevelLadder levels={l.data} lifetime={view.lifetime_points} />}
            </QueryState>
          </>
        )}
      </QueryState>
      <Ledger promoterId={null} />
    </div>
  );
}

export default function Points() {
  const { t } = useTranslation("points");
  const user = useUser();
  return (
    <section className="points-root">
      <PageHeader title={t("title")} />
      {user.role === "promoter" ? <MyPoints /> : <p className="muted">{t("notPromoter")}</p>}
    </section>
  );
}
