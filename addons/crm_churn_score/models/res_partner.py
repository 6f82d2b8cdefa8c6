import contextvars

from markupsafe import Markup

from odoo import api, fields, models

from .crm_churn_score import RISK_LEVELS

# The customer's current score: a copy of its latest history row, written by the server only.
CHURN_FIELDS = {
    "churn_score",
    "churn_risk",
    "churn_scored_at",
    "churn_model_version",
    "churn_score_change",
    "churn_drivers",
}
COMPANY_FIELDS = {"company_churn_score", "company_churn_risk"}
# Set (by server code only, unlike the context) while the partner merge copies values onto the
# partner it keeps: the churn fields are left out, then recomputed from the merged history.
# Who reads a customer's churn score, risk and reasons (as its history: salespeople and Sales
# Managers), not every user who may read contacts (other apps' users, portal customers).
SALES_GROUP = "sales_team.group_sale_salesman"
# The current score's details are read together where they are shown (the contact's form and
# lists), not with every read of a contact: Odoo checks a field's groups for each field of the
# prefetch group at every read of a contact (its name in a message, on a deal), which cost
# about 20 ms a conversion of 50 leads. The score and the risk, shown on every card of the
# pipeline, are read with the rest of the contact.
CHURN_PREFETCH = "crm_churn_score"
MERGING = contextvars.ContextVar("crm_churn_score_merging", default=False)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.suite.server.fields.mixin"]
    # Odoo's own code writes computed fields of partners: the churn fields are named below.
    _server_fields_computed = False

    churn_score = fields.Float(
        string="Churn Score",
        digits=(5, 1),
        readonly=True,
        copy=False,
        help="Latest churn risk score (0-100).",
        groups=SALES_GROUP,
    )
    churn_risk = fields.Selection(
        RISK_LEVELS,
        string="Churn Risk",
        readonly=True,
        copy=False,
        index=True,
        groups=SALES_GROUP,
    )
    churn_scored_at = fields.Datetime(
        string="Churn Scored On",
        readonly=True,
        copy=False,
        groups=SALES_GROUP,
        prefetch=CHURN_PREFETCH,
    )
    churn_model_version = fields.Char(
        string="Churn Model Version",
        readonly=True,
        copy=False,
        groups=SALES_GROUP,
        prefetch=CHURN_PREFETCH,
    )
    churn_score_change = fields.Float(
        string="Churn Score Change",
        digits=(5, 1),
        readonly=True,
        copy=False,
        help="Change of the latest score against the previous one.",
        groups=SALES_GROUP,
        prefetch=CHURN_PREFETCH,
    )
    churn_drivers = fields.Json(
        string="Churn Drivers",
        readonly=True,
        copy=False,
        help="Reasons behind the current score.",
        groups=SALES_GROUP,
        prefetch=CHURN_PREFETCH,
    )
    churn_drivers_text = fields.Text(
        string="Churn Reasons", compute="_compute_churn_drivers_text", groups=SALES_GROUP
    )
    churn_score_ids = fields.One2many(
        "crm.churn.score", "partner_id", string="Churn Scores", groups=SALES_GROUP
    )
    company_churn_score = fields.Float(
        string="Company Churn Score",
        compute="_compute_company_churn_score",
        search="_search_company_churn_score",
        digits=(5, 1),
        help="Latest churn risk score of the contact's company (0-100).",
        groups=SALES_GROUP,
    )
    company_churn_risk = fields.Selection(
        RISK_LEVELS,
        string="Company Churn Risk",
        compute="_compute_company_churn_risk",
        search="_search_company_churn_risk",
        groups=SALES_GROUP,
    )
    churn_followup_user_id = fields.Many2one(
        "res.users",
        string="Churn Follow-up By",
        compute="_compute_churn_followup_user_id",
        help="Who follows up the customer's churn risk: its salesperson, else (in grey) the "
        "salesperson of its latest opportunity.",
        groups=SALES_GROUP,
    )

    @api.depends("commercial_partner_id.churn_drivers")
    @api.depends_context("uid")
    def _compute_churn_drivers_text(self):
        customers = self._get_churn_customers()
        format_drivers = self.env["crm.churn.score"]._format_drivers
        for partner in self:
            customer = customers.get(partner.id)
            partner.churn_drivers_text = format_drivers(
                customer.churn_drivers if customer else False
            )

    @api.depends("commercial_partner_id.churn_score")
    @api.depends_context("uid")
    def _compute_company_churn_score(self):
        self._set_customer_churn(self, {"company_churn_score": "churn_score"})

    @api.depends("commercial_partner_id.churn_risk")
    @api.depends_context("uid")
    def _compute_company_churn_risk(self):
        self._set_customer_churn(self, {"company_churn_risk": "churn_risk"})

    def _search_company_churn_score(self, operator, value):
        return [("commercial_partner_id.churn_score", operator, value)]

    def _search_company_churn_risk(self, operator, value):
        return [("commercial_partner_id.churn_risk", operator, value)]

    def _get_churn_customers(self):
        """{partner id: its customer (commercial partner, as superuser)} for those of these
        partners whose customer the user may read: a contact or an opportunity shows the score
        of a customer only to whoever may read the customer (one may make a contact of a
        customer of another company, or an opportunity of that contact). One check for a
        page of cards or contacts."""
        customer_of = {partner.id: partner.commercial_partner_id for partner in self.sudo()}
        ids = {customer._origin.id for customer in customer_of.values()} - {False}
        readable = (
            ids if self.env.su or not ids else self.env["res.partner"].browse(ids)._readable_ids()
        )
        return {
            partner_id: customer
            for partner_id, customer in customer_of.items()
            if customer._origin.id in readable
        }

    @api.model
    def _set_customer_churn(self, records, names, partner=None):
        """Set the fields ``names`` ({field: field of the customer}) of ``records`` (contacts,
        or records whose field ``partner`` names one) from the customer of each contact, or
        empty when the user may not read the customer (``_get_churn_customers``)."""
        # The records of a contact set at once: a pipeline page has a few customers.
        groups = records.grouped(partner) if partner else {record: record for record in records}
        customers = self.union(*groups)._get_churn_customers()
        for contact, group in groups.items():
            customer = customers.get(contact.id)
            for name, source in names.items():
                group[name] = customer[source] if customer else False

    @api.depends("user_id")
    def _compute_churn_followup_user_id(self):
        users = self._get_churn_followup_users()
        for partner in self:
            partner.churn_followup_user_id = users.get(partner.id, False)

    def _readable_ids(self):
        """The ids of these partners the user may read (their read rules, checked on the
        records in the cache: no query for a page whose customers are read already)."""
        readable = self._readable_under_company_rule()
        if readable is None:
            readable = set(self._filtered_access("read")._ids)
        return readable

    def _readable_under_company_rule(self):
        """The ids of these partners the user may read, when the one rule deciding it is
        Odoo's own rule of contacts (*res.partner company*: the contact of an internal user,
        one of no company, or of a company at or above one of the user's current companies);
        else None (a deployment's own rule or access check: Odoo's check decides,
        ``_filtered_access``). The same answer as Odoo's check of that rule, without its
        generic evaluation of the domain: this runs for every pipeline page and stage move."""
        model = type(self)
        if (
            model._check_access is not models.BaseModel._check_access
            or model._filtered_access is not models.BaseModel._filtered_access
        ):
            return None
        companies = self.env.companies.sudo()
        rule = [
            "|",
            "|",
            ("partner_share", "=", False),
            ("company_id", "parent_of", companies.ids),
            ("company_id", "=", False),
        ]
        if self.env["ir.rule"]._compute_domain(self._name, "read") != rule:
            return None
        if not self.env["ir.model.access"].check(self._name, "read", raise_exception=False):
            return set()
        above = {
            int(company_id)
            for path in companies.mapped("parent_path")
            for company_id in path.split("/")
            if company_id
        }
        return {
            partner.id
            for partner in self.sudo()
            if not partner.partner_share or not partner.company_id or partner.company_id.id in above
        }

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        """The current score comes from the scoring job through the sync, which writes it in
        SQL: no user, administrator included, sets it by hand (RPC, import, related fields).
        While the partner merge copies values onto the partner it keeps, the churn fields are
        left out (recomputed from the merged history afterwards)."""
        if MERGING.get():
            vals = {name: value for name, value in vals.items() if name not in CHURN_FIELDS}
        self._guard_server_fields([vals])
        return super().write(vals)

    @api.model
    def _get_server_written_fields(self):
        return super()._get_server_written_fields() | CHURN_FIELDS | COMPANY_FIELDS

    @api.model
    def _get_refusal_hints(self, names):
        return self._churn_score_hint(super()._get_refusal_hints(names), names)

    @api.model
    def _churn_score_hint(self, hints, names, fields=frozenset(CHURN_FIELDS | COMPANY_FIELDS)):
        """``hints`` and, when ``names`` hold churn fields, where the churn score comes from."""
        if fields & set(names):
            hints = [
                *hints,
                self.env._("The churn score of a customer comes from the scoring job."),
            ]
        return hints

    def action_view_churn_trend(self):
        """The customer's churn scores over time: a line through its score dates."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_churn_score.crm_churn_score_action"
        )
        action.update(
            {
                "name": self.env._("Churn Trend: %s", self.commercial_partner_id.display_name),
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "view_mode": "graph,list",
                "views": [
                    (self.env.ref("crm_churn_score.crm_churn_score_view_graph_trend").id, "graph"),
                    (False, "list"),
                ],
                # One point per score date, none in between (the graph fills gaps with zeros).
                "context": {"fill_temporal": False},
            }
        )
        return action

    def _update_current_churn_score(self):
        """Set each partner's current score, risk, reasons and change from its two latest
        kept scores (none when it has none left), in one statement whatever the number of
        partners (a sync touches thousands). A late score older than the current one stays in
        the history only.

        Returns (the partners whose risk has just risen to high, those whose risk has just
        fallen below high)."""
        if not self:
            return self.browse(), self.browse()
        self.env["crm.churn.score"].flush_model()
        self.flush_model()
        self.env.cr.execute(
            """
            WITH ranked AS (
                SELECT partner_id, score, risk, scored_at, model_version, drivers,
                       lead(score) OVER w AS previous,
                       row_number() OVER w AS rank
                  FROM crm_churn_score
                 WHERE partner_id = ANY(%(ids)s)
                WINDOW w AS (PARTITION BY partner_id ORDER BY scored_at DESC, id DESC)
            ), latest AS (
                SELECT * FROM ranked WHERE rank = 1
            ), old AS (
                SELECT id, churn_risk FROM res_partner WHERE id = ANY(%(ids)s)
            )
            UPDATE res_partner p
               SET churn_score = l.score,
                   churn_risk = l.risk,
                   churn_scored_at = l.scored_at,
                   churn_model_version = l.model_version,
                   churn_drivers = l.drivers,
                   churn_score_change = CASE WHEN l.partner_id IS NOT NULL
                                             THEN COALESCE(l.score - l.previous, 0) END
              FROM old o LEFT JOIN latest l ON l.partner_id = o.id
             WHERE o.id = p.id
            RETURNING p.id, o.churn_risk, p.churn_risk
            """,
            {"ids": self.ids},
            log_exceptions=False,
        )
        risen, fallen = [], []
        for pid, old, new in self.env.cr.fetchall():
            if new == "high" and old != "high":
                risen.append(pid)
            elif old == "high" and new != "high":
                fallen.append(pid)
        self.invalidate_recordset(list(CHURN_FIELDS))
        return self.browse(risen), self.browse(fallen)

    def _refresh_churn_score(self):
        """After the history of these customers changed: their current score, and the
        follow-ups of the risks that rose to high or fell below it."""
        risen, fallen = self._update_current_churn_score()
        fallen._close_churn_followup()
        risen._schedule_churn_followup()

    def _get_churn_followup_users(self):
        """{partner id: user} who follows up a customer at risk: its salesperson, else the
        salesperson of its latest opportunity; either only if they may read the customer (the
        follow-up tells its score and reasons; a customer's salesperson may be anyone a
        contact editor picks, of any company)."""
        users = self._users_who_may_read(
            {partner.id: partner.user_id for partner in self if partner.user_id}
        )
        missing = self.filtered(lambda partner: partner.id and partner.id not in users)
        if missing:
            # An opportunity of the customer's company only (any, for a customer of none):
            # anyone may make a contact of another company's customer and an opportunity of
            # that contact, whose salesperson may not read the customer.
            latest = self.env["crm.lead"]._read_group(
                [("partner_id", "child_of", missing.ids), ("user_id", "!=", False)],
                ["partner_id", "company_id"],
                ["id:max"],
            )
            lead_ids = sorted((lead_id for _partner, _company, lead_id in latest), reverse=True)
            salespeople = {}
            for lead in self.env["crm.lead"].browse(lead_ids):
                partner = lead.partner_id.commercial_partner_id
                company = partner.company_id
                if partner in missing and (not company or company == lead.company_id):
                    salespeople.setdefault(partner.id, lead.user_id)
            users.update(self._users_who_may_read(salespeople))
        return users

    def _users_who_may_read(self, users):
        """Those of ``users`` ({partner id: user}) who may read their partner, in any of their
        companies (one check per user)."""
        by_user = {}
        for partner_id, user in users.items():
            by_user.setdefault(user, []).append(partner_id)
        readable = {}
        for user, partner_ids in by_user.items():
            partners = (
                self.browse(partner_ids)
                .with_user(user)
                .with_context(allowed_company_ids=user.sudo().company_ids.ids)
            )
            readable.update(dict.fromkeys(partners._filtered_access("read")._ids, user))
        return readable

    def _get_churn_followup_type(self):
        """The activity type of the follow-ups (Settings), else the shipped one."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        return self.env["mail.activity.type"].browse(
            int(get_param("crm_churn_score.followup_activity_type_id", "0") or 0)
        ).exists() or self.env.ref("crm_churn_score.mail_activity_type_churn_followup")

    def _open_churn_followups(self):
        return (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", self._get_churn_followup_type().id),
                ]
            )
        )

    def _schedule_churn_followup(self):
        """One follow-up activity for the salesperson of each customer whose risk has just risen
        to high (Settings: on/off, activity type, days), unless one is already open. Written in
        the salesperson's language; the reasons as plain text."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        if not self or get_param("crm_churn_score.followup_enabled", "True") in ("False", "0", ""):
            return self.env["mail.activity"]
        activity_type = self._get_churn_followup_type()
        days = int(get_param("crm_churn_score.followup_days", "3") or 3)
        already = set(self._open_churn_followups().mapped("res_id"))
        users = self._get_churn_followup_users()
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.add(fields.Date.context_today(self), days=days)
        return (
            self.env["mail.activity"]
            .sudo()
            .create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": activity_type.id,
                        "user_id": users[partner.id].id,
                        "date_deadline": deadline,
                        "summary": self.with_context(lang=users[partner.id].lang).env._(
                            "Churn risk is high (%s): call the customer", partner.churn_score
                        ),
                        # Text only: every line escaped, no link made of a URL in a label.
                        "note": Markup("<br/>").join(
                            (partner.churn_drivers_text or "").splitlines()
                        ),
                    }
                    for partner in self
                    if partner.id not in already and partner.id in users
                ]
            )
        )

    def _close_churn_followup(self):
        """Mark done, with a note in the salesperson's language, the open follow-ups of the
        customers whose risk has fallen below high."""
        for activity in self._open_churn_followups():
            partner = self.browse(activity.res_id)
            env = self.with_context(lang=activity.user_id.lang or "en_US").env
            if partner.churn_risk:
                risks = dict(self._fields["churn_risk"]._description_selection(env))
                feedback = env._(
                    "Churn risk fell to %(risk)s (score %(score)s): follow-up closed "
                    "automatically.",
                    risk=risks[partner.churn_risk],
                    score=partner.churn_score,
                )
            else:
                feedback = env._(
                    "The customer has no churn score any more: follow-up closed automatically."
                )
            activity.with_context(lang=env.lang).action_feedback(feedback=feedback)
