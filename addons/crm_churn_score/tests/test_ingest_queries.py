from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestIngestQueries(TransactionCase):
    """A batch costs the same number of queries for 50 rows as for 500: set-based upsert."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync_user = new_test_user(
            cls.env, login="churn_sync_q", groups="crm_churn_score.group_churn_sync"
        )
        cls.partners = cls.env["res.partner"].create(
            [
                {"name": f"Query customer {i}", "is_company": True, "ref": f"Q-{i}"}
                for i in range(1000)
            ]
        )

    def _queries(self, partners, run_id):
        rows = [
            {"partner_id": p.id, "score": 75.0 if i % 2 else 20.0}
            if i % 3
            else {"partner_ref": p.ref, "score": 50.0}
            for i, p in enumerate(partners)
        ]
        body = {
            "run_id": run_id,
            "model_version": "m",
            "scored_at": "2026-11-20T00:00:00Z",
            "scores": rows,
        }
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        run = self.env["crm.churn.sync.run"]._ingest(body, "push", self.sync_user)
        self.env.flush_all()
        self.assertEqual(run.created_count, len(partners))
        return self.env.cr.sql_log_count - before

    def test_queries_do_not_grow_with_rows(self):
        self._queries(self.partners[:20], "warm-up")
        small = self._queries(self.partners[20:70], "small")
        large = self._queries(self.partners[70:570], "large")
        self.assertEqual(small, large)
