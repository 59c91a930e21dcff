import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { currentLanguage } from "../../../i18n";
import {
  addCountry,
  countryChoices,
  countryName,
  normalizeCountry,
  removeCountry,
} from "../lib/countries";

interface Props {
  label: string;
  hint: string;
  /** The API's field name (geo_allow, geo_deny), for test ids. */
  name: string;
  value: string[];
  onChange: (next: string[]) => void;
  /** The API's errors for this list; `code` marks the chip at fault. */
  errors: { code: string | null; message: string }[];
}

/** A list of countries as removable chips, added from common countries or by code. */
export function CountryPicker({ label, hint, name, value, onChange, errors }: Props) {
  const { t } = useTranslation("advertiser");
  const lang = currentLanguage();
  const id = useId();
  const [choice, setChoice] = useState("");
  const [typed, setTyped] = useState("");
  const [typedError, setTypedError] = useState(false);
  const invalid = new Set(errors.map((e) => e.code).filter(Boolean));

  function addTyped() {
    const code = normalizeCountry(typed);
    if (!code) {
      setTypedError(true);
      return;
    }
    onChange(addCountry(value, code));
    setTyped("");
    setTypedError(false);
  }

  return (
    <fieldset data-testid={`countries-${name}`} aria-describedby={`${id}-hint`}>
      <legend>{label}</legend>
      <p id={`${id}-hint`} className="hint">
        {hint}
      </p>
      {value.length === 0 ? (
        <p className="muted">{t("form.noCountries")}</p>
      ) : (
        <ul className="adv-chips" aria-label={label}>
          {value.map((code) => {
            const country = countryName(code, lang);
            return (
              <li
                key={code}
                className={`adv-chip${invalid.has(code) ? " adv-chip-invalid" : ""}`}
                data-code={code}
              >
                <span>{country === code ? code : `${country} (${code})`}</span>
                <button
                  type="button"
                  aria-label={t("form.removeCountry", { name: country })}
                  onClick={() => onChange(removeCountry(value, code))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="adv-add" style={{ marginBlockStart: "0.75rem" }}>
        <div className="field">
          <label htmlFor={`${id}-choice`}>{t("form.chooseCountry")}</label>
          <select id={`${id}-choice`} value={choice} onChange={(e) => setChoice(e.target.value)}>
            <option value="">—</option>
            {countryChoices(value, lang).map((c) => (
              <option key={c.code} value={c.code}>
                {c.name} ({c.code})
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="btn"
          disabled={!choice}
          onClick={() => {
            onChange(addCountry(value, choice));
            setChoice("");
          }}
        >
          {t("form.addCountry")}
        </button>
      </div>
      <div className="adv-add" style={{ marginBlockStart: "0.5rem" }}>
        <div className={`field${typedError ? " field-invalid" : ""}`}>
          <label htmlFor={`${id}-code`}>{t("form.otherCode")}</label>
          <input
            id={`${id}-code`}
            value={typed}
            maxLength={2}
            autoCapitalize="characters"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={typedError || undefined}
            aria-describedby={typedError ? `${id}-code-error` : undefined}
            onChange={(e) => {
              setTyped(e.target.value.toUpperCase());
              setTypedError(false);
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                addTyped();
              }
            }}
          />
          {typedError && (
            <small id={`${id}-code-error`} className="field-error" role="alert">
              {t("form.badCode")}
            </small>
          )}
        </div>
        <button type="button" className="btn" disabled={!typed.trim()} onClick={addTyped}>
          {t("form.addCountry")}
        </button>
      </div>
      {errors.map((e) => (
        <p key={`${e.code}-${e.message}`} className="field-error" role="alert">
          {e.code ? `${e.code}: ${e.message}` : e.message}
        </p>
      ))}
    </fieldset>
  );
}
