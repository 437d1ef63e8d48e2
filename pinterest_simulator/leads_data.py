"""Lead ads: each ad account's lead forms, the ads that collect leads with them, and the leads (obviously fake
personal data) their exports carry.

Built once per simulator (`LeadData`, ``sim.leads``) from the dataset's ad accounts and ads, from random numbers of
its own, except that every ad's ``lead_form_id`` is set: one ad in `LEAD_AD_EVERY` (the ads ``n % LEAD_AD_EVERY ==
1`` of each account, in id order) collects leads with one of its account's ACTIVE forms in turn; the others have
none (None). Leads are deterministic per seed, ad and day: 0 to `MAX_LEADS_PER_DAY` a day per lead ad, every day
(so every window of recent days has some), submitted at a time of that day (UTC).

The leads are personal data, so every value is obviously fake: names "Fake" + a number, e-mail addresses at
``example.com`` (reserved, RFC 2606), phone numbers in the fictional 555-01xx range, ZIP code 00000, "Simulated City".

What an export file looks like is not in the API description: see `export_file` and the ``leads_export_format``
switch (docs/dev/API-NOTES.md#lead-ads).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from typing import Any

from pinterest_simulator.dataset import EPOCH_END, EPOCH_START, Dataset
from pinterest_simulator.switches import LeadsExportFormat

#: one ad in this many collects leads (``n % LEAD_AD_EVERY == 1``, n its index among its account's ads)
LEAD_AD_EVERY = 5
#: leads a lead ad collects on one day: 0 to this many
MAX_LEADS_PER_DAY = 3
#: "Lead ad data will be available up to 30 days after the lead has been submitted" (spec ``leads_export/create``)
LEAD_RETENTION_DAYS = 30
#: (name, status, questions) of each account's lead forms, in id order; a question is (question_type, custom field
#: type, custom label, custom options)
FORM_DESIGNS: tuple[tuple[str, str, tuple[tuple[str, str | None, str | None, tuple[str, ...]], ...]], ...] = (
    (
        "Newsletter sign-up",
        "ACTIVE",
        (("FULL_NAME", None, None, ()), ("EMAIL", None, None, ()), ("ZIP_CODE", None, None, ())),
    ),
    (
        "Quote request",
        "ACTIVE",
        (
            ("FIRST_NAME", None, None, ()),
            ("LAST_NAME", None, None, ()),
            ("EMAIL", None, None, ()),
            ("PHONE_NUMBER", None, None, ()),
            ("CUSTOM", "RADIO_LIST", "When should we call you?", ("Morning", "Afternoon", "Evening")),
        ),
    ),
    (
        "Event registration (draft)",
        "DRAFT",
        (
            ("FULL_NAME", None, None, ()),
            ("EMAIL", None, None, ()),
            ("CITY", None, None, ()),
            ("STATE_PROVINCE", None, None, ()),
            ("COUNTRY", None, None, ()),
            ("CUSTOM", "CHECKBOX", "Which topics interest you?", ("Gardening", "Cooking", "Travel", "Crafts")),
        ),
    ),
)
#: the export file's first columns (CSV), or fields (JSON), before the answers
LEAD_FIELDS = ("lead_id", "created_time", "advertiser_id", "campaign_id", "ad_group_id", "ad_id", "lead_form_id")


def question_label(question: dict[str, Any]) -> str:
    """What a question's answers are headed with in an export: its type, or a custom question's label."""
    if question["question_type"] == "CUSTOM":
        return str(question["custom_question_label"])
    return str(question["question_type"])


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b(":".join(str(part) for part in parts).encode(), digest_size=16).digest()


class LeadData:
    """``sim.leads``: lead forms and lead ads per ad account, and their leads (see the module docstring)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        rng = random.Random(f"lead-forms:{dataset.seed}")
        next_id = 7 * 10**12
        #: ad account id -> its lead forms by id, in id order
        self.forms: dict[str, dict[str, dict[str, Any]]] = {}
        #: lead ad id -> its lead form id
        self.lead_ads: dict[str, str] = {}
        for account_id in dataset.ad_accounts:
            forms: dict[str, dict[str, Any]] = {}
            for design in FORM_DESIGNS:
                next_id += rng.randint(1, 99_999)
                created = rng.randint(EPOCH_START, EPOCH_END)
                form = self._form(account_id, str(next_id), design, created, created + rng.randint(0, 90 * 86400))
                forms[form["id"]] = form
            self.forms[account_id] = forms
            self._link_ads(account_id, [form["id"] for form in forms.values() if form["status"] == "ACTIVE"])

    @staticmethod
    def _form(
        account_id: str, form_id: str, design: tuple[str, str, tuple[Any, ...]], created: int, updated: int
    ) -> dict[str, Any]:
        name, status, questions = design
        return {
            "id": form_id,
            "ad_account_id": account_id,
            "name": f"{name} (simulated)",
            "status": status,
            "has_accepted_terms": True,
            "privacy_policy_link": "https://www.example.com/privacy-policy",
            "completion_message": "Thank you: this is a simulated lead form.",
            "disclosure_language": "Simulated form: no personal data is collected.",
            "policy_links": [{"label": "Terms (simulated)", "link": "https://www.example.com/terms"}],
            "questions": [
                {
                    "question_type": question_type,
                    "custom_question_field_type": field_type,
                    "custom_question_label": label,
                    "custom_question_options": list(options) if question_type == "CUSTOM" else None,
                }
                for question_type, field_type, label, options in questions
            ],
            "created_time": created,
            "updated_time": updated,
        }

    def _link_ads(self, account_id: str, active_forms: list[str]) -> None:
        """Every ad's ``lead_form_id``: one of `active_forms` in turn for one ad in `LEAD_AD_EVERY`, else None."""
        with self.dataset.lock:
            lead_ads = 0
            for n, ad in enumerate(self.dataset.entities("ads", account_id)):
                if n % LEAD_AD_EVERY == 1 and active_forms:
                    ad["lead_form_id"] = active_forms[lead_ads % len(active_forms)]
                    self.lead_ads[ad["id"]] = ad["lead_form_id"]
                    lead_ads += 1
                else:
                    ad["lead_form_id"] = None

    def form_list(self, account_id: str) -> list[dict[str, Any]]:
        """The account's lead forms, in id order."""
        return list(self.forms.get(account_id, {}).values())

    def ad(self, account_id: str, ad_id: str) -> dict[str, Any] | None:
        """The account's ad `ad_id`, if it has one."""
        return next((ad for ad in self.dataset.entities("ads", account_id) if ad["id"] == ad_id), None)

    def leads(self, account_id: str, ad_id: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The leads ad `ad_id` collected from `start` to `end` (UTC days, both included), in submission order: none
        for an ad without a lead form."""
        form_id = self.lead_ads.get(ad_id)
        ad = self.ad(account_id, ad_id)
        if form_id is None or ad is None:
            return []
        form = self.forms[account_id][form_id]
        out: list[dict[str, Any]] = []
        day = start
        while day <= end:
            digest = _digest(self.dataset.seed, "leads", ad_id, day)
            for n in range(digest[0] % (MAX_LEADS_PER_DAY + 1)):
                out.append(self._lead(account_id, ad, form, day, n))
            day += dt.timedelta(days=1)
        out.sort(key=lambda lead: (lead["created_time"], lead["lead_id"]))
        return out

    def _lead(self, account_id: str, ad: dict[str, Any], form: dict[str, Any], day: dt.date, n: int) -> dict[str, Any]:
        """One obviously fake lead: its ids, submission time and an answer to each of the form's questions."""
        digest = _digest(self.dataset.seed, "lead", ad["id"], day, n)
        number = int.from_bytes(digest[:4], "big") % 10_000
        midnight = int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())
        answers = {}
        for question in form["questions"]:
            answers[question_label(question)] = _answer(question, number, digest)
        return {
            "lead_id": str(int.from_bytes(digest[4:11], "big") % 10**16 + 10**16),
            "created_time": midnight + int.from_bytes(digest[11:14], "big") % 86_400,
            "advertiser_id": account_id,
            "campaign_id": ad.get("campaign_id"),
            "ad_group_id": ad.get("ad_group_id"),
            "ad_id": ad["id"],
            "lead_form_id": form["id"],
            "answers": answers,
        }


def _answer(question: dict[str, Any], number: int, digest: bytes) -> str:
    """A fake answer to one question (`number` and `digest`: the lead's)."""
    kind = question["question_type"]
    options = question.get("custom_question_options") or []
    fixed = {
        "FULL_NAME": f"Fake{number:04d} Lead",
        "FIRST_NAME": f"Fake{number:04d}",
        "LAST_NAME": "Lead",
        "EMAIL": f"fake.lead{number:04d}@example.com",
        "PHONE_NUMBER": f"+1 555-01{number % 100:02d}",
        "ZIP_CODE": "00000",
        "GENDER": "unspecified",
        "CITY": "Simulated City",
        "COUNTRY": "US",
        "STATE_PROVINCE": "CA",
        "ADDRESS": "1 Example Way",
        "DATE_OF_BIRTH": "1990-01-01",
        "AGE": "35-44",
    }
    if kind in fixed:
        return fixed[kind]
    if not options:
        return "Simulated answer"
    if question.get("custom_question_field_type") == "CHECKBOX":
        return "; ".join(option for k, option in enumerate(options) if digest[14] >> k & 1) or options[0]
    return str(options[digest[15] % len(options)])


def export_file(leads: list[dict[str, Any]], form: dict[str, Any] | None, file_format: LeadsExportFormat) -> bytes:
    """A leads export file in the ``leads_export_format`` switch's form (the API description does not give it):

    - ``csv``: a header of `LEAD_FIELDS` and one column per question of the ad's form (`question_label`), one
      line per lead (``created_time`` as ``YYYY-MM-DDTHH:MM:SSZ``; a checkbox's answers joined with ``"; "``);
      RFC 4180, UTF-8. No leads: the header alone.
    - ``json``: a JSON array of leads, each `LEAD_FIELDS` (``created_time`` in Unix seconds) and ``answers``: an
      object question label -> answer.
    """
    if file_format == "json":
        return json.dumps(leads, separators=(",", ":")).encode()
    labels = [question_label(question) for question in (form or {}).get("questions", [])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*LEAD_FIELDS, *labels])
    for lead in leads:
        submitted = dt.datetime.fromtimestamp(lead["created_time"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        fields = [submitted if name == "created_time" else lead[name] for name in LEAD_FIELDS]
        writer.writerow([*fields, *(lead["answers"].get(label, "") for label in labels)])
    return out.getvalue().encode()
