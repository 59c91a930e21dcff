#!/usr/bin/env python3
"""The demo of scripts/dev, through the running control plane's API (stdlib only).

    dev-seed.py seed    make sure the demo exists, reusing what is there, and print it
    dev-seed.py check   wait until the demo promoter's stats show the expected clicks and
                        conversions (scripts/dev --smoke)

`seed` signs in (or signs up) the demo advertiser and promoter, signs in the admin (created
by `afftok admin create` beforehand), finds or creates the demo offer and brings it to
`approved` (submit, admin approval, resume), makes sure the postback key saved in
AFFTOK_DEV_POSTBACK_KEY_FILE is still active (else creates one and saves it), joins the
promoter to the offer, and prints `name=value` lines: offer_id, promoter_id, advertiser_id,
link (the tracking link on AFFTOK_EDGE_BASE_URL), token, postback_key.

Settings (environment): AFFTOK_API (the control plane's base URL), AFFTOK_DEV_ADMIN_EMAIL,
AFFTOK_DEV_ADMIN_PASSWORD, AFFTOK_DEV_ADVERTISER_EMAIL, AFFTOK_DEV_ADVERTISER_PASSWORD,
AFFTOK_DEV_PROMOTER_EMAIL, AFFTOK_DEV_PROMOTER_PASSWORD, AFFTOK_DEV_POSTBACK_KEY_FILE,
AFFTOK_DEV_OFFER_URL (the demo offer's url_template); for `check`: AFFTOK_DEV_EXPECT_CLICKS,
AFFTOK_DEV_EXPECT_CONVERSIONS, AFFTOK_DEV_CHECK_SECS (default 30) and AFFTOK_DEV_CLICK_DAY
(the UTC day of the clicks, YYYY-MM-DD: the live counters, which are per UTC day, are only
compared when it is still that day).

Progress goes to standard error; a failure exits 1 with one line saying what went wrong.
"""

import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

OFFER_NAME = "AffTok demo offer"
POSTBACK_KEY_NAME = "scripts/dev demo"


class Fail(Exception):
    """A step that did not work: its message is what the developer sees."""


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise Fail(f"{name} is not set")
    return value


def log(message):
    print(f"    {message}", file=sys.stderr)


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, body=None, ok=(200, 201, 204)):
        """Returns (status, decoded JSON or None); raises Fail for a status not in ok."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("accept", "application/json")
        if data is not None:
            request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, raw = answer.status, answer.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            raise Fail(f"{method} {self.base}{path}: {e}") from None
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = None
        if status not in ok:
            detail = raw.decode(errors="replace")[:500]
            raise Fail(f"{method} {path} answered {status}: {detail}")
        return status, decoded

    def login(self, email, password, who):
        status, answer = self.call(
            "POST", "/v1/auth/login", body={"email": email, "password": password}, ok=(200, 401)
        )
        if status == 401:
            raise Fail(
                f"cannot sign in as the demo {who} {email}: its password is not the one in "
                "the state directory (was .dev/ deleted?); `scripts/dev --reset` starts the "
                "demo afresh"
            )
        return answer

    def sign_in_or_up(self, role, email, password, display_name, company=None):
        body = {"role": role, "email": email, "password": password, "display_name": display_name}
        if company:
            body["company_name"] = company
        status, answer = self.call("POST", "/v1/auth/register", body=body, ok=(201, 409))
        if status == 201:
            log(f"{role} {email} signed up")
            return answer
        if (answer or {}).get("code") != "email_taken":
            raise Fail(f"registering the demo {role} answered 409: {answer}")
        log(f"{role} {email} exists: signing in")
        return self.login(email, password, role)


def offers_of(api, token):
    offers, cursor = [], None
    while True:
        path = "/v1/offers?limit=200" + (f"&cursor={quote(cursor)}" if cursor else "")
        _, page = api.call("GET", path, token)
        offers.extend(page["data"])
        cursor = page.get("next_cursor")
        if not cursor:
            return offers


def demo_offer(api, advertiser, admin):
    """The demo offer, approved: reused when there, created otherwise."""
    mine = [o for o in offers_of(api, advertiser) if o["name"] == OFFER_NAME]
    live = [o for o in mine if o["status"] != "archived"]
    # Prefer the one already live, then the oldest.
    live.sort(key=lambda o: (o["status"] != "approved", o["id"]))
    if live:
        offer = live[0]
        log(f"offer {offer['id']} exists ({offer['status']})")
    else:
        _, offer = api.call(
            "POST",
            "/v1/offers",
            advertiser,
            {
                "name": OFFER_NAME,
                "description": "Created by scripts/dev: a CPA offer paying 2.50 USD per sale.",
                "category": "shopping",
                "url_template": env("AFFTOK_DEV_OFFER_URL"),
                "fallback_url": "https://example.com/",
                "payout_model": "cpa",
                "payout_amount": "2.50",
                "currency": "USD",
            },
        )
        log(f"offer {offer['id']} created")
    oid = offer["id"]
    for _ in range(5):
        status = offer["status"]
        if status == "approved":
            return offer
        if status in ("draft", "rejected"):
            _, offer = api.call("POST", f"/v1/offers/{oid}/submit", advertiser)
        elif status == "pending_review":
            _, offer = api.call("POST", f"/v1/admin/offers/{oid}/approve", admin)
        elif status == "paused":
            # An admin may resume any pause (an advertiser only its own).
            _, offer = api.call("POST", f"/v1/offers/{oid}/resume", admin)
        else:
            raise Fail(f"the demo offer {oid} is {status}")
        log(f"offer {oid} is now {offer['status']}")
    raise Fail(f"the demo offer {oid} did not reach approved (it is {offer['status']})")


def demo_postback_key(api, advertiser):
    """The saved postback key if it is still active, else a new one (saved)."""
    path = env("AFFTOK_DEV_POSTBACK_KEY_FILE")
    saved = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            saved = f.read().strip()
    if saved:
        _, listed = api.call("GET", "/v1/postback-keys", advertiser)
        for entry in listed["data"]:
            if entry["state"] == "active" and entry["prefix"] and saved.startswith(entry["prefix"]):
                log(f"postback key {entry['prefix']}… is active")
                return saved
        log("the saved postback key is no longer active: creating another")
    _, created = api.call(
        "POST", "/v1/postback-keys", advertiser, {"name": POSTBACK_KEY_NAME, "ip_allow": []}
    )
    key = created["key"]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    log(f"postback key {created['prefix']}… created")
    return key


def seed(api):
    admin = api.login(env("AFFTOK_DEV_ADMIN_EMAIL"), env("AFFTOK_DEV_ADMIN_PASSWORD"), "admin")
    advertiser = api.sign_in_or_up(
        "advertiser",
        env("AFFTOK_DEV_ADVERTISER_EMAIL"),
        env("AFFTOK_DEV_ADVERTISER_PASSWORD"),
        "Demo Advertiser",
        company="Demo Shop Inc.",
    )
    promoter = api.sign_in_or_up(
        "promoter",
        env("AFFTOK_DEV_PROMOTER_EMAIL"),
        env("AFFTOK_DEV_PROMOTER_PASSWORD"),
        "Demo Promoter",
    )
    offer = demo_offer(api, advertiser["access_token"], admin["access_token"])
    key = demo_postback_key(api, advertiser["access_token"])
    status, link = api.call(
        "POST", f"/v1/marketplace/offers/{offer['id']}/join", promoter["access_token"]
    )
    log(f"promoter {'joined' if status == 201 else 'had joined'} offer {offer['id']}")
    print(f"offer_id={offer['id']}")
    print(f"advertiser_id={advertiser['user']['id']}")
    print(f"promoter_id={promoter['user']['id']}")
    print(f"link={link['url']}")
    print(f"token={link['token']}")
    print(f"postback_key={key}")


def check(api):
    want_clicks = int(env("AFFTOK_DEV_EXPECT_CLICKS"))
    want_conversions = int(env("AFFTOK_DEV_EXPECT_CONVERSIONS"))
    limit = float(env("AFFTOK_DEV_CHECK_SECS", "30"))
    email = env("AFFTOK_DEV_PROMOTER_EMAIL")
    token = api.login(email, env("AFFTOK_DEV_PROMOTER_PASSWORD"), "promoter")["access_token"]
    # Yesterday to tomorrow (UTC): a run across midnight still finds its events.
    today = datetime.datetime.now(datetime.timezone.utc).date()
    span = f"from={today - datetime.timedelta(days=1)}&to={today + datetime.timedelta(days=1)}"
    click_day = os.environ.get("AFFTOK_DEV_CLICK_DAY", str(today))
    deadline = time.monotonic() + limit
    while True:
        _, stats = api.call("GET", f"/v1/stats?{span}&granularity=day", token)
        _, live = api.call("GET", "/v1/stats/live", token)
        totals = stats["totals"]
        want = (want_clicks, want_conversions)
        stats_ok = (totals["clicks"], totals["conversions"]) == want
        # Past midnight (UTC) the live counters start again from zero.
        same_day = live["day"] == click_day
        live_ok = not same_day or (live["clicks"], live["conversions"]) == want
        if stats_ok and live_ok:
            log(
                f"the promoter's stats show {totals['clicks']} clicks "
                f"({totals['unique_clicks']} unique), {totals['conversions']} conversions, "
                f"payout {json.dumps(totals['payout'])}; "
                + ("the live counters agree" if same_day else "the UTC day changed: live counters not compared")
            )
            return
        if time.monotonic() > deadline:
            raise Fail(
                f"after {limit:.0f} s the promoter's stats show {totals['clicks']} clicks and "
                f"{totals['conversions']} conversions (live counters: {live['clicks']} and "
                f"{live['conversions']}; filtered clicks: {totals['filtered_clicks']}), "
                f"expected {want_clicks} and {want_conversions}"
            )
        time.sleep(0.5)


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in ("seed", "check"):
        print("usage: dev-seed.py seed|check", file=sys.stderr)
        return 2
    try:
        api = Api(env("AFFTOK_API"))
        seed(api) if command == "seed" else check(api)
    except Fail as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
