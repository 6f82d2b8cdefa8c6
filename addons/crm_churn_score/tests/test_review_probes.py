"""Review probes: the push API with the key of a sync user of one company, against the
customers of another company ("Users of one company see nothing of another company in ... the
push API"). Each probe asserts the secure behaviour."""

from odoo.tests import tagged

from .common import PushCase


@tagged("post_install", "-at_install")
class TestReviewProbesPush(PushCase):
    def test_another_companys_customer_does_not_block_a_ref(self):
        """Bolt (C-200) is the sync user's customer. A customer of the second company, which
        the sync user cannot see, is given the same reference: the push by reference still
        scores Bolt, and says nothing of the other company's customer (today: "partner_ref
        C-200 matches several customers", and Bolt is not scored)."""
        self.foreign.ref = "C-200"
        result = self.push(self.envelope([{"partner_ref": "C-200", "score": 35}])).json()
        self.assertEqual((result["created"], result["rejected"]), (1, 0), result)
        self.assertEqual(self.history(self.bolt).score, 35.0)
        self.assertFalse(self.foreign.churn_score_ids)

    def test_the_answer_tells_nothing_of_another_companys_customers(self):
        """A customer of the second company answers the same whether it is active or archived
        (today: "partner <id> is archived" for the archived one, checked before the company)."""
        other = self.env["res.partner"].create(
            {"name": "Archived Other Client", "is_company": True, "company_id": self.company_b.id}
        )
        other.active = False
        result = self.push(
            self.envelope(
                [
                    {"partner_id": self.foreign.id, "score": 50},
                    {"partner_id": other.id, "score": 50},
                ]
            )
        ).json()
        reasons = {error["index"]: error["reason"] for error in result["errors"]}
        self.assertEqual(
            reasons[1].replace(str(other.id), "ID"), reasons[0].replace(str(self.foreign.id), "ID")
        )
