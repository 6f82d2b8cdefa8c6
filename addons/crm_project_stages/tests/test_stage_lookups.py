"""crm looks up the Won stages and the first shared stage at every stage move and win (its lead
scoring): the suite answers from its stage table, with the stages and the order the database
gives the same user, and without a query; Won stages the table cannot order (one sequence),
a deployment's record rule on stages and a user without access to stages go to the database,
whatever the client."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import JsonRpcMixin, ProjectStagesCase

WON = [("is_won", "=", True)]
SHARED = [("team_id", "=", False)]


class StageLookupsCase(ProjectStagesCase):
    def lookups(self, user):
        """crm's two look-ups, as ``user`` makes them."""
        Stage = self.env["crm.stage"].with_user(user)
        return Stage.search(WON).ids, Stage.search(SHARED, order="sequence, id", limit=1).ids

    def hide_won_stage_from_salespeople(self):
        """A deployment's record rule: salespeople do not see the project's Won stage."""
        self.env["ir.rule"].create(
            {
                "name": "Salespeople do not see the project Won stage",
                "model_id": self.env.ref("crm.model_crm_stage").id,
                "groups": [(4, self.env.ref("sales_team.group_sale_salesman").id)],
                "domain_force": f"[('id', '!=', {self.stage_won.id})]",
                "perm_read": True,
            }
        )

    def database_answers(self, hidden=()):
        """The same look-ups in SQL: Won stages in the stages' order (sequence, name, id),
        the first shared stage by sequence and id; without the stages of ids ``hidden``."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM crm_stage WHERE is_won AND NOT id = ANY(%s) "
            "ORDER BY sequence, name->>'en_US', id",
            [list(hidden)],
        )
        won = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            "SELECT id FROM crm_stage WHERE team_id IS NULL AND NOT id = ANY(%s) "
            "ORDER BY sequence, id LIMIT 1",
            [list(hidden)],
        )
        return won, [row[0] for row in self.env.cr.fetchall()]


@tagged("post_install", "-at_install")
class TestStageLookups(StageLookupsCase):
    def test_answers_are_the_databases_without_a_query(self):
        self.lookups(self.rep)  # the table read once
        with self.assertQueryCount(0):
            answers = self.lookups(self.rep)
        self.assertEqual(answers, self.database_answers())
        self.assertIn(self.stage_won.id, answers[0])

    def test_the_table_follows_the_stages(self):
        self.lookups(self.rep)
        Stage = self.env["crm.stage"]
        early = Stage.create({"name": "Early", "sequence": -5})
        self.assertEqual(self.lookups(self.rep), self.database_answers())
        self.assertEqual(self.lookups(self.rep)[1], early.ids)
        # Given to a team, it is no longer shared; another stage comes first by sequence.
        early.team_id = self.team
        self.stage_contact.write({"team_id": False, "sequence": -9})
        self.assertEqual(self.lookups(self.rep)[1], self.stage_contact.ids)
        # Another Won stage, before the team's; a Won stage that is no longer one.
        second = Stage.create({"name": "Signed", "sequence": 1, "is_won": True})
        self.assertEqual(self.lookups(self.rep), self.database_answers())
        self.assertEqual(self.lookups(self.rep)[0].index(second.id), 0)
        self.stage_won.is_won = False
        self.assertNotIn(self.stage_won.id, self.lookups(self.rep)[0])
        self.assertEqual(self.lookups(self.rep), self.database_answers())
        second.unlink()
        self.assertEqual(self.lookups(self.rep), self.database_answers())

    def test_the_table_follows_a_team_deleted(self):
        """PostgreSQL empties a deleted team's stages (crm's "set null"), without a write of
        the ORM: the first shared stage may be one of them now."""
        team = self.env["crm.team"].create({"name": "Short-lived team"})
        own = self.env["crm.stage"].create(
            {"name": "Own first", "sequence": -20, "team_id": team.id}
        )
        self.assertNotEqual(self.lookups(self.rep)[1], own.ids)
        team.unlink()
        self.assertEqual(self.lookups(self.rep)[1], own.ids)
        self.assertEqual(self.lookups(self.rep), self.database_answers())

    def test_a_company_with_its_own_checklist_items_or_phases_stays(self):
        """Deleting a company does not turn its checklist items or phases into every
        company's (PostgreSQL would empty their company): refused until they are deleted or
        archived; a company without any goes, and the tables follow."""
        company = self.env["res.company"].create({"name": "Short-lived company"})
        item = self.env["crm.phase.checklist.item"].create(
            {
                "name": "Local permit",
                "phase_id": self.phases["contact"].id,
                "company_id": company.id,
            }
        )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            company.unlink()
            self.env.flush_all()
        self.assertEqual(item.company_id, company)
        item.unlink()
        company.unlink()
        self.assertFalse(company.exists())
        self.assertEqual(self.lookups(self.rep), self.database_answers())

    def test_won_stages_of_one_sequence_are_ordered_by_the_database(self):
        # The database orders them by name ("A…" before "PS Won", created before it).
        also_won = self.env["crm.stage"].create(
            {"name": "Awarded", "sequence": self.stage_won.sequence, "is_won": True}
        )
        won, _first = self.lookups(self.rep)
        self.assertEqual((won, _first), self.database_answers())
        self.assertLess(won.index(also_won.id), won.index(self.stage_won.id))
        with self.assertQueryCount(1):
            self.assertEqual(self.lookups(self.rep)[0], won)

    def test_other_searches_go_to_the_database(self):
        Stage = self.env["crm.stage"].with_user(self.rep)
        searches = (
            lambda: Stage.search(WON, limit=1),
            lambda: Stage.search(WON, order="id desc"),
            lambda: Stage.search([("is_won", "=", True), ("fold", "=", False)]),
            lambda: Stage.search(SHARED, order="sequence, id"),
            lambda: Stage.search([["is_won", "=", True]]),  # a client's domain (JSON lists)
            lambda: Stage.search_fetch(WON, ["name"]),
        )
        for search in searches:
            search()  # the user's access and rules read once
            with self.assertQueryCount(1):
                search()

    def test_a_record_rule_on_stages_holds(self):
        """A deployment hides a Won stage from salespeople: crm's look-ups made for them find
        the others only, as without the stage table."""
        self.lookups(self.rep)
        self.hide_won_stage_from_salespeople()
        answers = self.lookups(self.rep)
        self.assertNotIn(self.stage_won.id, answers[0])
        self.assertEqual(answers, self.database_answers(hidden=[self.stage_won.id]))
        self.assertIn(self.stage_won.id, self.lookups(self.env.ref("base.user_root"))[0])


@tagged("post_install", "-at_install")
class TestStageLookupAttacks(JsonRpcMixin, HttpCase, StageLookupsCase):
    def test_a_record_rule_on_stages_holds_over_json_rpc(self):
        """The same rule, against a salesperson's own searches over JSON-RPC."""
        self.assertIn(self.stage_won.id, self.rpc("ps_rep", "crm.stage", "search", WON)["result"])
        self.hide_won_stage_from_salespeople()
        answer = self.rpc("ps_rep", "crm.stage", "search", WON)["result"]
        self.assertNotIn(self.stage_won.id, answer)
        self.assertEqual(answer, self.database_answers(hidden=[self.stage_won.id])[0])
        first = self.rpc("ps_rep", "crm.stage", "search", SHARED, order="sequence, id", limit=1)[
            "result"
        ]
        self.assertEqual(first, self.database_answers(hidden=[self.stage_won.id])[1])
        # The superuser's look-up still finds it.
        self.assertIn(self.stage_won.id, self.env["crm.stage"].search(WON).ids)

    def test_a_user_without_access_to_stages_is_refused(self):
        portal = new_test_user(self.env, login="ps_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["crm.stage"].with_user(portal).search(WON)
        self.assertRefused(self.rpc("ps_portal", "crm.stage", "search", WON), "AccessError")
