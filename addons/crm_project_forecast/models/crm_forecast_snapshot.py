from odoo import _, api, fields, models
from odoo.addons.crm_project_stages.models.crm_lead_phase_gate import MANAGER_GROUP
from odoo.exceptions import AccessError

# Won deals closed since the first day of the previous year are frozen with the open ones, so
# that a deal won since the snapshot is not mistaken for one that entered the forecast.
WON_HORIZON_YEARS = 1


class CrmForecastSnapshot(models.Model):
    _name = "crm.forecast.snapshot"
    _description = "Forecast Snapshot"
    _order = "date desc, id desc"

    name = fields.Char(
        required=True,
        readonly=True,
        translate=True,
        help="Named by the server in every installed language: each reader sees it in theirs.",
    )
    date = fields.Datetime(
        string="Taken On", required=True, readonly=True, default=fields.Datetime.now
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda s: s.env.company
    )
    line_ids = fields.One2many("crm.forecast.snapshot.line", "snapshot_id", readonly=True)
    line_count = fields.Integer(string="Opportunities", compute="_compute_totals")
    weighted_amount = fields.Monetary(
        string="Weighted Pipeline", compute="_compute_totals", currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    def _compute_totals(self):
        groups = {
            snapshot: (count, weighted)
            for snapshot, count, weighted in self.env["crm.forecast.snapshot.line"]._read_group(
                [("snapshot_id", "in", self.ids), ("forecast_category", "!=", "won")],
                ["snapshot_id"],
                ["__count", "forecast_revenue:sum"],
            )
        }
        for snapshot in self:
            snapshot.line_count, snapshot.weighted_amount = groups.get(snapshot, (0, 0.0))

    # ------------------------------------------------------------------ actions

    def action_take_snapshot(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Sales Managers can freeze the forecast."))
        snapshots = self._take_snapshots(self.env.companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "Forecast frozen: %(count)s opportunities in %(snapshots)s snapshot(s).",
                    count=sum(snapshots.mapped("line_count")),
                    snapshots=len(snapshots),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": "crm.forecast.snapshot.line",
            "view_mode": "list,pivot",
            "domain": [("snapshot_id", "=", self.id)],
        }

    # ------------------------------------------------------------------ business

    @api.model
    def _cron_take_snapshots(self):
        self._take_snapshots(self.env["res.company"].search([]))

    @api.model
    def _take_snapshots(self, companies):
        """Freeze the forecast of each company: its open opportunities (outside Omitted) and
        its recently won ones, with their salesperson, team, closing date, revenue, category
        and probability. One INSERT per company."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        won_since = today.replace(year=today.year - WON_HORIZON_YEARS, month=1, day=1)
        snapshots = (
            self.sudo()
            .with_context(lang="en_US")
            .create([{"name": "-", "company_id": company.id} for company in companies])
        )
        snapshots._name_after_week()
        for snapshot in snapshots:
            self.env.cr.execute(
                """
                INSERT INTO crm_forecast_snapshot_line
                       (snapshot_id, lead_id, name, user_id, team_id, partner_id, company_id,
                        phase_id, forecast_category, date_deadline, date_won, forecast_date,
                        expected_revenue, forecast_probability, forecast_revenue,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(snapshot)s, l.id, l.name, l.user_id, l.team_id, l.partner_id,
                       l.company_id, l.phase_id, l.forecast_category, l.date_deadline,
                       l.date_won, l.forecast_date, COALESCE(l.expected_revenue, 0),
                       l.forecast_probability, COALESCE(l.forecast_revenue, 0),
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM crm_lead l
                 WHERE l.type = 'opportunity' AND l.active AND l.company_id = %(company)s
                   AND (l.forecast_category IN ('pipeline', 'best_case', 'commit')
                        OR (l.forecast_category = 'won' AND l.date_won >= %(won_since)s))
                """,
                {
                    "snapshot": snapshot.id,
                    "company": snapshot.company_id.id,
                    "uid": self.env.uid,
                    "won_since": won_since,
                },
            )
        self.env["crm.forecast.snapshot.line"].invalidate_model()
        snapshots.invalidate_recordset()
        return snapshots

    def _name_after_week(self):
        """Each snapshot named after the ISO week it was taken ("Week 48, 2026"), in every
        installed language: whoever takes it, each reader sees the name in their own."""
        for snapshot in self:
            year, week, _day = snapshot.date.date().isocalendar()
            for code, _label in self.env["res.lang"].get_installed():
                localized = snapshot.with_context(lang=code)
                localized.name = localized.env._("Week %(week)s, %(year)s", week=week, year=year)
