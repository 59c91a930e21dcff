// The sandbox (DESIGN §16): an advertiser mints a test click on one of its offers, reports a
// conversion on it through any of its integrations, and watches it in the test lists (test
// mode), without a real visitor and without touching live figures.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import type { Schemas } from "../../api/client";
import { useOfferNames } from "../../api/hooks/offers";
import { useMintTestClick } from "../../api/hooks/sandbox";
import { setTestMode, useTestModeSwitch } from "../../api/testMode";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { useApiForm } from "../../components/useApiForm";
import { CopyBlock } from "./components/CopyBlock";
import "./advertiser.css";

type Minted = Schemas["MintedClick"];

/** Where to look next: the test lists (turning test mode on on the way). */
function TestLists() {
  const { t } = useTranslation("advertiser");
  const testing = useTestModeSwitch();
  return (
    <ul className="stack" style={{ gap: "0.25rem" }}>
      <li>
        <Link to="/conversions" onClick={() => setTestMode(true)} data-testid="test-conversions">
          {testing ? t("sandbox.conversions") : t("sandbox.conversionsTurningOn")}
        </Link>
      </li>
      <li>
        <Link to="/clicks" onClick={() => setTestMode(true)}>
          {testing ? t("sandbox.clicks") : t("sandbox.clicksTurningOn")}
        </Link>
      </li>
    </ul>
  );
}

/** The click just minted: its id, the postback URL to try, and where to see the result. */
function MintedClick({ minted }: { minted: Minted }) {
  const { t } = useTranslation("advertiser");
  const ref = useRef<HTMLElement>(null);
  // Focus moves to the answer, so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (minted.click_id) ref.current?.focus();
  }, [minted.click_id]);
  return (
    <section
      ref={ref}
      tabIndex={-1}
      className="card stack"
      aria-labelledby="minted-title"
      data-testid="minted-click"
    >
      <h2 id="minted-title" style={{ margin: 0 }}>
        {t("sandbox.minted.title", { offer: minted.offer_id })}
      </h2>
      <CopyBlock
        title={t("sandbox.minted.clickId")}
        text={minted.click_id}
        copyLabel={t("sandbox.minted.copyClickId")}
        testId="minted-click-id"
        hint={t("sandbox.minted.clickIdHint")}
      />
      <CopyBlock
        title={t("sandbox.minted.postbackUrl")}
        text={minted.postback_url}
        copyLabel={t("sandbox.minted.copyPostbackUrl")}
        testId="minted-postback-url"
        hint={
          <>
            {t("sandbox.minted.postbackUrlHint")}{" "}
            <Link to="/postback-keys">{t("sandbox.minted.keys")}</Link>
          </>
        }
      />
      <p className="muted">{t("sandbox.minted.sdkHint")}</p>
      <h3 style={{ margin: 0 }}>{t("sandbox.next")}</h3>
      <TestLists />
    </section>
  );
}

function MintForm({
  offers,
  onMinted,
}: {
  offers: { id: number; name: string }[];
  onMinted: (m: Minted) => void;
}) {
  const { t } = useTranslation("advertiser");
  const [params] = useSearchParams();
  const asked = params.get("offer");
  const mint = useMintTestClick();
  const form = useApiForm();
  const [offer, setOffer] = useState(() =>
    asked && offers.some((o) => String(o.id) === asked) ? asked : String(offers[0]?.id ?? ""),
  );
  const [country, setCountry] = useState("");
  const [sub1, setSub1] = useState("");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const minted = await form.submit(() =>
      mint.mutateAsync({ offer_id: Number(offer), country, sub1 }),
    );
    if (minted) onMinted(minted);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="mint-title">
      <h2 id="mint-title" style={{ margin: 0 }}>
        {t("sandbox.mint.title")}
      </h2>
      <p className="muted">{t("sandbox.mint.intro")}</p>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <SelectField
        label={t("sandbox.mint.offer")}
        name="offer_id"
        value={offer}
        onChange={(e) => setOffer(e.target.value)}
        error={form.fields.offer_id}
      >
        {offers.map((o) => (
          <option key={o.id} value={o.id}>
            {t("conversions.offerLabel", { id: o.id, name: o.name })}
          </option>
        ))}
      </SelectField>
      <TextField
        label={t("sandbox.mint.country")}
        name="country"
        maxLength={2}
        autoCapitalize="characters"
        spellCheck={false}
        hint={t("sandbox.mint.countryHint")}
        value={country}
        onChange={(e) => setCountry(e.target.value)}
        error={form.fields.country}
      />
      <TextField
        label={t("sandbox.mint.sub1")}
        name="sub1"
        dir="ltr"
        maxLength={128}
        spellCheck={false}
        hint={t("sandbox.mint.sub1Hint")}
        value={sub1}
        onChange={(e) => setSub1(e.target.value)}
        error={form.fields.subs}
      />
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending || !offer}>
          {form.pending ? t("sandbox.mint.minting") : t("sandbox.mint.submit")}
        </button>
      </div>
    </form>
  );
}

export default function Sandbox() {
  const { t } = useTranslation("advertiser");
  const offers = useOfferNames(true);
  const testing = useTestModeSwitch();
  const [minted, setMinted] = useState<Minted | null>(null);
  return (
    <section className="stack adv-root">
      <PageHeader title={t("sandbox.title")} />
      <p className="muted">{t("sandbox.intro")}</p>
      <div
        className={`notice ${testing ? "notice-warn" : "notice-ok"}`}
        data-testid="sandbox-mode"
        data-mode={testing ? "test" : "live"}
      >
        <span>{testing ? t("sandbox.modeOn") : t("sandbox.modeOff")}</span>
        <button type="button" className="btn btn-small" onClick={() => setTestMode(!testing)}>
          {testing ? t("sandbox.turnOff") : t("sandbox.turnOn")}
        </button>
      </div>
      <QueryState query={offers}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">
              {t("sandbox.noOffers")} <Link to="/offers/new">{t("sandbox.newOffer")}</Link>
            </p>
          ) : (
            <MintForm offers={list} onMinted={setMinted} />
          )
        }
      </QueryState>
      {minted && <MintedClick minted={minted} />}
      {!minted && (
        <section className="stack" aria-labelledby="sandbox-lists">
          <h2 id="sandbox-lists">{t("sandbox.lists")}</h2>
          <TestLists />
        </section>
      )}
    </section>
  );
}
