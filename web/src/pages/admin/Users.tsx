import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { ApiError } from "../../api/errors";
import { useUsers } from "../../api/hooks/admin";
import { SelectField, TextField } from "../../components/Field";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { currentLanguage } from "../../i18n";
import { formatDate } from "../../lib/format";
import { readFilters, roles, type UserFilters, writeFilters } from "./userFilters";
import "../account/account.css";

/** The role and text to look for; sending it rewrites the page's URL. */
function FilterForm({
  filters,
  errors,
  onSearch,
}: {
  filters: UserFilters;
  errors: Record<string, string>;
  onSearch: (f: UserFilters) => void;
}) {
  const { t } = useTranslation("admin");
  const { t: tc } = useTranslation();
  const [role, setRole] = useState<string>(filters.role ?? "");
  const [q, setQ] = useState(filters.q ?? "");

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    onSearch(readFilters(new URLSearchParams({ role, q })));
  }

  return (
    <search>
      <form onSubmit={onSubmit} className="card row" aria-label={t("users.filters")}>
        <SelectField
          label={t("users.role")}
          name="role"
          value={role}
          onChange={(e) => setRole(e.target.value)}
          error={errors.role}
        >
          <option value="">{t("users.allRoles")}</option>
          {roles.map((r) => (
            <option key={r} value={r}>
              {tc(`roles.${r}`)}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t("users.search")}
          type="search"
          name="q"
          maxLength={100}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          error={errors.q}
        />
        <button type="submit" className="btn btn-primary">
          {tc("actions.search")}
        </button>
      </form>
    </search>
  );
}

export default function Users() {
  const { t } = useTranslation("admin");
  const { t: tc } = useTranslation();
  const lang = currentLanguage();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const users = useUsers(filters);
  const errors = users.error instanceof ApiError ? users.error.fields : {};
  const search = writeFilters(filters).toString();

  return (
    <section>
      <PageHeader title={t("users.title")} />
      <div className="stack">
        {/* Keyed by the URL's filters: going back or forward resets the form to them. */}
        <FilterForm
          key={search}
          filters={filters}
          errors={errors}
          onSearch={(f) => setParams(writeFilters(f))}
        />
        <QueryState query={users}>
          {({ pages }) => {
            const rows = pages.flatMap((p) => p.data);
            if (rows.length === 0) return <p className="muted">{t("users.empty")}</p>;
            return (
              <>
                <TableWrap label={t("users.title")}>
                  <table className="users-table">
                    <caption className="visually-hidden">{t("users.caption")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("users.name")}</th>
                        <th scope="col">{t("users.email")}</th>
                        <th scope="col">{t("users.role")}</th>
                        <th scope="col">{t("users.company")}</th>
                        <th scope="col">{t("users.verified")}</th>
                        <th scope="col">{t("users.joined")}</th>
                        <th scope="col">{t("users.actions")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((u) => (
                        <tr key={u.id} data-testid="user-row">
                          <th scope="row" dir="auto">
                            {u.display_name}
                          </th>
                          <td>
                            <span dir="ltr">{u.email}</span>
                          </td>
                          <td>{tc(`roles.${u.role}`)}</td>
                          <td dir="auto">{u.advertiser?.name ?? ""}</td>
                          <td>{u.email_verified ? t("users.yes") : t("users.no")}</td>
                          <td>{formatDate(u.created_at, lang)}</td>
                          <td>
                            {u.role === "promoter" && (
                              <Link
                                to={`/admin/promoters/${u.id}/points`}
                                state={{ name: u.display_name }}
                                aria-label={t("users.pointsOf", { name: u.display_name })}
                                data-testid="user-points"
                              >
                                {t("users.points")}
                              </Link>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableWrap>
                <LoadMore query={users} />
              </>
            );
          }}
        </QueryState>
      </div>
    </section>
  );
}
