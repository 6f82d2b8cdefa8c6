"""The push API with the key of a sync user of one company, against the customers of another
company: the key sees only the customers of its sync user's companies (README, *Rights*: "Users
of one company see nothing of another company in ... the push API")."""

from odoo.tests import tagged

from .common import PushCase

CHURN_FIELDS = ["churn_score", "churn_risk", "churn_scored_at", "churn_drivers", "write_date"]


@tagged("post_install", "-at_install")
class TestPushCompanies(PushCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.archived_foreign = Partner.create(
            {"name": "Archived Other Client", "is_company": True, "company_id": cls.company_b.id}
        )
        cls.archived_own = Partner.create({"name": "Archived Own Client", "is_company": True})
        (cls.archived_foreign | cls.archived_own).active = False
        cls.foreign_contact = Partner.create(
            {"name": "Olga Other", "parent_id": cls.foreign.id, "company_id": cls.company_b.id}
        )
        cls.partners = (
            cls.acme | cls.bolt | cls.foreign | cls.foreign_contact | cls.archived_foreign
        ) | cls.archived_own

    def snapshot(self):
        """The scores kept and each test customer's current score, to show nothing changed."""
        partners = self.partners.with_context(active_test=False)
        return (
            self.env["crm.churn.score"].search_count([]),
            partners.read(CHURN_FIELDS),
        )

    def assertOnlyScored(self, before, partner):
        """Since ``before`` (a snapshot), one score was kept, ``partner``'s: no other changed."""
        after = self.snapshot()
        self.assertEqual(after[0], before[0] + 1, f"one score kept: {partner.name}'s")
        changed = [old["id"] for old, new in zip(before[1], after[1], strict=True) if old != new]
        self.assertEqual(changed, partner.ids, "no other customer changed")

    def reasons(self, response, status=200):
        self.assertEqual(response.status_code, status, response.text)
        result = response.json()
        return result, [(error["index"], error["reason"]) for error in result["errors"]]

    def test_a_ref_is_looked_up_among_the_customers_of_the_keys_companies(self):
        """A customer of another company holding the same reference neither blocks the push
        nor is scored; a reference only another company holds is as unknown as one nobody
        holds; within the sync user's own companies a shared reference is still ambiguous."""
        self.foreign.ref = "C-200"
        self.foreign_contact.ref = "B-ONLY"
        before = self.snapshot()
        result, reasons = self.reasons(
            self.push(
                self.envelope(
                    [
                        {"partner_ref": "C-200", "score": 35},
                        {"partner_ref": "B-ONLY", "score": 40},
                        {"partner_ref": "NOBODY", "score": 40},
                    ]
                )
            )
        )
        self.assertEqual((result["created"], result["unchanged"], result["rejected"]), (1, 0, 2))
        self.assertEqual(
            reasons,
            [
                (1, "unknown partner_ref B-ONLY in the sync user's companies"),
                (2, "unknown partner_ref NOBODY in the sync user's companies"),
            ],
        )
        self.assertEqual((self.history(self.bolt).score, self.bolt.churn_score), (35.0, 35.0))
        self.assertOnlyScored(before, self.bolt)

        # The sync user of the second company sees its own customers and the shared ones
        # (Bolt has no company): the reference only its customer holds scores it, the one it
        # shares with Bolt is ambiguous.
        before = self.snapshot()
        result, reasons = self.reasons(
            self.push(
                self.envelope(
                    [{"partner_ref": "B-ONLY", "score": 70}, {"partner_ref": "C-200", "score": 90}],
                    "run-b",
                ),
                key=self.key_of_company_b(),
            )
        )
        self.assertEqual((result["created"], result["rejected"]), (1, 1))
        self.assertEqual(reasons, [(1, "partner_ref C-200 matches several customers")])
        self.assertEqual(self.foreign.churn_score, 70.0)
        self.assertOnlyScored(before, self.foreign)

    def test_another_companys_customer_is_answered_as_an_unknown_one(self):
        """Active, archived, a contact of, or no partner at all: the same answer for each, which
        tells nothing of the other company; the key's own archived customer is named archived."""
        missing = self.env["res.partner"].search([], order="id desc", limit=1).id + 1000
        rows = [
            {"partner_id": self.foreign.id, "score": 50},
            {"partner_id": self.archived_foreign.id, "score": 50},
            {"partner_id": self.foreign_contact.id, "score": 50},
            {"partner_id": missing, "score": 50},
            {"partner_id": self.archived_own.id, "score": 50},
            {"partner_id": self.acme.id, "score": 20},
        ]
        before = self.snapshot()
        result, reasons = self.reasons(self.push(self.envelope(rows)))
        self.assertEqual((result["created"], result["unchanged"], result["rejected"]), (1, 0, 5))
        unknown = "unknown partner %s in the sync user's companies"
        self.assertEqual(
            reasons,
            [
                (0, unknown % self.foreign.id),
                (1, unknown % self.archived_foreign.id),
                (2, unknown % self.foreign_contact.id),
                (3, unknown % missing),
                (4, f"partner {self.archived_own.id} is archived"),
            ],
        )
        run = self.env["crm.churn.sync.run"].browse(result["sync_run_id"])
        self.assertEqual(run.errors, result["errors"], "the sync run records the same reasons")
        self.assertEqual(self.acme.churn_score, 20.0)
        self.assertOnlyScored(before, self.acme)
