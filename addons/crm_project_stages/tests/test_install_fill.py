from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .. import hooks, phase_sql
from .common import ProjectStagesCase

LEAD_COLUMNS = (
    "phase_id",
    "phase_reached_id",
    "phase_sequence",
    "phase_reached_sequence",
    "outcome",
    "date_stalled",
    "phase_date_in",
)


@tagged("post_install", "-at_install")
class TestInstallFill(ProjectStagesCase):
    """The install fills in SQL what the server computes record by record: the same phase,
    outcome, stalled date, history facts and checklist, whatever state a deal is in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.cancelled = cls.env.ref("crm_project_stages.lost_reason_project_cancelled")
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Too expensive"})
        cls.no_phase_stage = cls.env["crm.stage"].create(
            {"name": "Parking", "sequence": 150, "team_id": cls.team.id}
        )
        cls.no_phase_stage.phase_id = False
        other = cls.env["res.company"].create({"name": "Fill Co"})
        cls.phases["proof"].company_limit_ids = [(0, 0, {"company_id": other.id, "stall_days": 3})]

        def deal(name, stage, **vals):
            return Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "team_id": cls.team.id,
                    "stage_id": stage.id,
                    **vals,
                }
            )

        cls.deals = {
            "open": deal("Open", cls.stage_contact),
            "proof": deal("Proof", cls.stage_proof, expected_revenue=5),
            "other_company": deal(
                "Other company", cls.stage_proof, company_id=other.id, team_id=False
            ),
            "won": deal("Won", cls.stage_tender),
            "lost": deal("Lost", cls.stage_design),
            "cancelled": deal("Cancelled", cls.stage_design),
            "archived": deal("Archived", cls.stage_proof, probability=30),
            "parked": deal("Parked", cls.no_phase_stage),
            "born_won": deal("Born won", cls.stage_won),
            "lead": Lead.create({"name": "Just a lead", "type": "lead"}),
        }
        cls.deals["won"].stage_id = cls.stage_won
        cls.deals["lost"].action_set_lost(lost_reason_id=cls.lost_reason.id)
        cls.deals["cancelled"].action_set_lost(lost_reason_id=cls.cancelled.id)
        cls.deals["archived"].write({"active": False})
        cls.leads = Lead.with_context(active_test=False).browse(
            [lead.id for lead in cls.deals.values()]
        )

    def values(self):
        self.env.invalidate_all()
        return {
            name: {column: lead[column] for column in LEAD_COLUMNS}
            for name, lead in zip(self.deals, self.leads, strict=True)
        }

    def test_the_install_fill_gives_what_the_server_computes(self):
        self.assertEqual(
            {name: lead.outcome for name, lead in zip(self.deals, self.leads, strict=True)},
            {
                "open": "open",
                "proof": "open",
                "other_company": "open",
                "won": "won",
                "lost": "lost",
                "cancelled": "cancelled",
                "archived": "archived",
                "parked": "open",
                "born_won": "won",
                "lead": "open",
            },
        )
        by_server = self.values()
        checklists = {lead.id: lead.checklist_line_ids.item_id for lead in self.leads}
        # The database as it was before the install.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET %s WHERE id = ANY(%s)",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(c)) for c in LEAD_COLUMNS),
                self.leads.ids,
            )
        )
        for table in ("crm_lead_phase_history", "crm_lead_checklist_line"):
            self.env.cr.execute(
                SQL("DELETE FROM %s WHERE lead_id = ANY(%s)", SQL.identifier(table), self.leads.ids)
            )
        hooks.fill_opportunities(self.env)
        by_install = self.values()
        for name, server in by_server.items():
            install = by_install[name]
            for column in ("phase_id", "phase_reached_id", "phase_sequence", "outcome"):
                self.assertEqual(install[column], server[column], (name, column))
            if server["date_stalled"]:
                # Entered at install on its last stage change, stalled as many days later.
                self.assertEqual(
                    install["date_stalled"] - install["phase_date_in"],
                    server["date_stalled"] - server["phase_date_in"],
                    name,
                )
            else:
                self.assertFalse(install["date_stalled"], name)
        self.assertEqual(
            by_install["other_company"]["date_stalled"]
            - by_install["other_company"]["phase_date_in"],
            timedelta(days=4),
            "the company's own limit of the phase",
        )
        for name, lead in zip(self.deals, self.leads, strict=True):
            if lead.outcome == "open" and lead.type == "opportunity":
                self.assertEqual(lead.checklist_line_ids.item_id, checklists[lead.id], name)
            if lead.type == "opportunity":
                row = lead.phase_history_ids
                self.assertEqual(len(row), 1, name)
                self.assertEqual(bool(row.date_out), lead.outcome != "open", name)
                self.assertTrue(row.is_first_entry)
                self.assertEqual(bool(row.phase_open_since), lead.outcome == "open", name)
        self.assertFalse(self.deals["lead"].phase_history_ids)

    def test_history_facts_in_sql_are_the_servers(self):
        lead = self.deals["open"]
        self._tick_mandatory(lead, "contact")
        for stage in (self.stage_design, self.stage_contact, self.stage_design):
            lead.write({"stage_id": stage.id})
        history = lead.phase_history_ids
        # Stays of different lengths, as the days went by, none a whole number of days (the
        # stored facts keep 4 decimals: the SQL must round as the ORM does).
        for days, row in enumerate(history.sorted("id")):
            row.sudo().write(
                {
                    "date_in": row.date_in - timedelta(days=10 - 2 * days, seconds=1),
                    "date_out": row.date_out and row.date_out - timedelta(days=9 - 2 * days),
                }
            )

        def facts():
            self.env.invalidate_all()
            return [
                (
                    row.is_first_entry,
                    round(row.duration, 6),
                    round(row.phase_closed_days, 6),
                    row.phase_open_since,
                )
                for row in history.sorted("id")
            ]

        by_server = facts()
        self.assertEqual([fact[0] for fact in by_server], [True, True, False, False])
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead_phase_history SET is_first_entry = false, duration = 0, "
            "phase_closed_days = 0, phase_open_since = NULL WHERE lead_id = %s",
            [lead.id],
        )
        self.env.cr.execute(phase_sql.history_facts(SQL("h.lead_id = %s", lead.id)))
        self.assertEqual(facts(), by_server)
