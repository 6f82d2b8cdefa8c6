from ast import literal_eval
from datetime import datetime

from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import PushCase


@tagged("post_install", "-at_install")
class TestFollowUp(PushCase):
    """The salesperson's follow-up: opened when the risk rises to high, in the salesperson's
    language, closed with a note when the risk falls back."""

    def followups(self, partner, active=True):
        return (
            self.env["mail.activity"]
            .with_context(active_test=active)
            .search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])
        )

    def push_score(self, score, run, day):
        response = self.push(
            self.envelope(
                [{"partner_id": self.acme.id, "score": score}], run, f"2026-11-{day:02d}T02:00:00Z"
            )
        )
        self.assertEqual(response.status_code, 200, response.text)

    def test_the_follow_up_closes_with_a_note_when_the_risk_falls(self):
        self.push_score(85, "r1", 1)
        activity = self.followups(self.acme)
        self.assertEqual(activity.summary, "Churn risk is high (85.0): call the customer")
        self.push_score(55, "r2", 8)
        self.assertFalse(self.followups(self.acme), "no follow-up left open")
        note = self.acme.message_ids.filtered(lambda message: "follow-up closed" in message.body)
        self.assertEqual(len(note), 1)
        self.assertIn(
            "Churn risk fell to Medium (score 55.0): follow-up closed automatically.",
            note.body,
        )
        self.push_score(72, "r3", 15)
        self.assertEqual(len(self.followups(self.acme)), 1, "a new rise, a new follow-up")

    def test_texts_are_in_the_salespersons_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_churn_score"], ["zh_CN"])
        self.salesperson.lang = "zh_CN"
        self.assertEqual(self.sync_user.lang, "en_US")
        self.push_score(91, "r1", 1)
        summary = "流失风险高（91.0）：请联系客户"  # noqa: RUF001
        self.assertEqual(self.followups(self.acme).summary, summary)
        self.push_score(30, "r2", 8)
        note = self.acme.message_ids[0]
        self.assertIn("流失风险降至低（分数 30.0）：跟进已自动关闭。", note.body)  # noqa: RUF001


@tagged("post_install", "-at_install")
class TestTrendGraph(PushCase):
    """The trend graph reads one point per score date: no week without a score drawn as 0."""

    def graph_data(self, action):
        """What the graph view of ``action`` reads, as the web client asks for it (the graph
        asks for the temporal gaps to be filled unless the action's context says otherwise)."""
        view_id = {mode: view for view, mode in action["views"]}.get("graph") or False
        arch = self.env["crm.churn.score"].get_views([(view_id, "graph")])["views"]["graph"]["arch"]
        graph = etree.fromstring(arch)
        row = graph.xpath("//field[not(@type='measure')]")[0]
        groupby = f"{row.get('name')}:{row.get('interval', 'month')}"
        context = action.get("context") or {}
        if isinstance(context, str):
            context = literal_eval(context)
        context = {"fill_temporal": True, **context}
        domain = action.get("domain") or []
        if isinstance(domain, str):
            domain = []
        return (
            self.env["crm.churn.score"]
            .with_context(context)
            .read_group(domain, ["score:avg"], [groupby], lazy=False)
        )

    def test_no_zero_points_between_scores(self):
        for score, day in ((60, 2), (78, 30)):
            self.push(
                self.envelope(
                    [{"partner_id": self.acme.id, "score": score}],
                    f"run-{day}",
                    f"2026-11-{day:02d}T02:00:00Z",
                )
            )
        trend = self.graph_data(self.acme.action_view_churn_trend())
        self.assertEqual(
            [(group["__count"], group["score"]) for group in trend], [(1, 60.0), (1, 78.0)]
        )
        history = self.env.ref("crm_churn_score.crm_churn_score_action")._get_action_dict()
        history["domain"] = [("partner_id", "=", self.acme.id)]
        self.assertEqual([group["score"] for group in self.graph_data(history)], [60.0, 78.0])


@tagged("post_install", "-at_install")
class TestAtRiskList(PushCase):
    """The at-risk list names who follows each customer up."""

    def test_salesperson_column_falls_back_to_the_latest_opportunity(self):
        closer = new_test_user(self.env, login="churn_closer", name="Carla Closer")
        self.env["crm.lead"].create(
            {"name": "Bolt valves", "partner_id": self.bolt.id, "user_id": closer.id}
        )
        orphan = self.env["res.partner"].create({"name": "Orphan Ltd", "is_company": True})
        self.push(
            self.envelope(
                [
                    {"partner_id": self.acme.id, "score": 80},
                    {"partner_id": self.bolt.id, "score": 75},
                    {"partner_id": orphan.id, "score": 50},
                ]
            )
        )
        action = self.env.ref("crm_churn_score.res_partner_action_at_risk")
        arch = etree.fromstring(
            self.env["res.partner"].get_views([(action.view_id.id, "list")])["views"]["list"][
                "arch"
            ]
        )
        columns = [
            field.get("string") or field.get("name")
            for field in arch.xpath("//field[not(@column_invisible)]")
        ]
        self.assertEqual(columns[:3], ["Customer", "Score", "Risk"])
        self.assertIn("Salesperson", columns)
        rows = self.env["res.partner"].search(
            [*literal_eval(action.domain), ("id", "in", (self.acme | self.bolt | orphan).ids)],
            order="churn_score desc",
        )
        self.assertEqual(
            [(p.name, p.churn_score, p.churn_followup_user_id.name or "") for p in rows],
            [
                ("Acme Pipes", 80.0, "Sam Sales"),
                ("Bolt Valves", 75.0, "Carla Closer"),
                ("Orphan Ltd", 50.0, ""),
            ],
        )
        self.assertEqual(self.bolt.churn_scored_at, datetime(2026, 11, 20, 2, 0))
