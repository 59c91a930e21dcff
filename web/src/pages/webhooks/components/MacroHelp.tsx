import { Fragment, useId } from "react";
import { useTranslation } from "react-i18next";
import { POSTBACK_MACROS } from "../lib/endpoints";

/** A template to show (a URL: the same in every language). */
const EXAMPLE = "https://tracker.example/pb?cid={click_id}&sub={sub1}&sum={payout}&cur={currency}";

/** The macros a postback URL may hold, and what each becomes. */
export function MacroHelp() {
  const { t } = useTranslation("webhooks");
  const id = useId();
  return (
    <section className="wh-macros" aria-labelledby={id}>
      <h3 id={id} className="wh-subtitle">
        {t("macros.title")}
      </h3>
      <p className="muted wh-flush">{t("macros.intro")}</p>
      <p className="wh-flush">
        {t("macros.example")} <code className="wh-ltr wh-break">{EXAMPLE}</code>
      </p>
      <dl className="details wh-macro-list" data-testid="macros">
        {POSTBACK_MACROS.map((m) => (
          <Fragment key={m}>
            <dt>
              <code className="wh-ltr">{`{${m}}`}</code>
            </dt>
            <dd>{t(`macros.${m}`)}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}
