// The assistant's insights (its navigation's "Assistant"): what the caller's own numbers say,
// computed by the API without a model, in the UI's language (a language switch asks again):
// the overview, offers to join (promoters), the analysis and the tips. Admins see the
// platform's overview and the API's refusal of the rest.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useOverview } from "../../api/hooks/assistant";
import { useUser } from "../../auth/useSession";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { AnalysisSection, TipsSection } from "./components/Analysis";
import { OverviewView } from "./components/Overview";
import { Sections } from "./components/Sections";
import { SuggestionsSection } from "./components/Suggestions";
import { useAssistantLang } from "./lib/useLang";
import "./assistant.css";

export default function Insights() {
  const { t } = useTranslation("assistant");
  const lang = useAssistantLang();
  const user = useUser();
  const overview = useOverview(lang);
  const id = useId();
  return (
    <section className="stack asst-root">
      <PageHeader title={t("title")} />
      <Sections />
      <p className="asst-flush muted">{t("intro")}</p>
      <section className="stack" aria-labelledby={`${id}-overview`} data-testid="overview">
        <h2 id={`${id}-overview`} className="asst-h2">
          {t("overview.title")}
        </h2>
        <QueryState query={overview}>{(o) => <OverviewView overview={o} />}</QueryState>
      </section>
      <TipsSection lang={lang} />
      {user.role === "promoter" && <SuggestionsSection lang={lang} />}
      <AnalysisSection lang={lang} />
    </section>
  );
}
