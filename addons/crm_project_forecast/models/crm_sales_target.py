from collections import defaultdict
from contextvars import ContextVar

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from .. import periods

# The server is writing the sum of their members into team targets (``_recompute_from_members``):
# not a context key, which any client could send to switch the upkeep off.
SYNCING = ContextVar("crm_project_forecast_target_syncing", default=False)
TARGET_PERIODS = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]


def _asks_for(fields_spec, name):
    """Whether a read_group ``fields`` list aggregates the field ``name``."""
    return any(
        spec == name or spec.startswith(f"{name}:") or spec.endswith(f"({name})")
        for spec in fields_spec or ()
    )


class CrmSalesTarget(models.Model):
    _name = "crm.sales.target"
    _inherit = ["crm.suite.server.fields.mixin", "crm.company.scope.mixin"]
    _description = "Sales Target"
    _order = "date_start desc, target_level desc, team_id, user_id, id"
    _company_scope_paths = ("company_id", "team_id.company_id")

    name = fields.Char(compute="_compute_name", store=True)
    target_level = fields.Selection(
        [("user", "Salesperson"), ("team", "Sales Team")],
        string="Target For",
        required=True,
        default="user",
    )
    # A target is the manager's record of a plan: deleting its salesperson or team is refused
    # (archive them instead), never leaving a target of nobody counted as "No team".
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, ondelete="restrict")
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, ondelete="restrict")
    period_type = fields.Selection(
        TARGET_PERIODS, string="Period", required=True, default="quarter"
    )
    date_start = fields.Date(
        string="Starts On",
        required=True,
        default=fields.Date.context_today,
        help="Any day of the period: it is set to the first day of its month, quarter or year.",
    )
    date_end = fields.Date(string="Ends On", compute="_compute_period", store=True)
    period_label = fields.Char(string="Period Name", compute="_compute_period", store=True)
    amount = fields.Monetary(
        string="Revenue Target",
        currency_field="currency_id",
        help="Won revenue expected over the period, in the company's currency.",
    )
    from_members = fields.Boolean(
        string="Sum of Member Targets",
        help="The team target is the sum of its members' targets for the same period, kept up "
        "to date; otherwise it is the amount entered, whatever the members' targets add up to.",
    )
    cost_budget = fields.Monetary(
        string="Selling Cost Budget",
        currency_field="currency_id",
        help="What selling may cost over the period (expenses and activities).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    note = fields.Char()

    @api.depends("target_level", "user_id", "team_id", "period_label")
    def _compute_name(self):
        for target in self:
            who = target.user_id if target.target_level == "user" else target.team_id
            target.name = f"{target.period_label or ''} · {who.name or ''}"

    @api.depends("period_type", "date_start")
    def _compute_period(self):
        for target in self:
            if not (target.period_type and target.date_start):
                target.date_end = target.period_label = False
                continue
            start, end = periods.bounds(target.period_type, target.date_start)
            target.date_end = end
            target.period_label = periods.key(target.period_type, start)

    @api.constrains("target_level", "user_id", "team_id", "amount", "cost_budget", "from_members")
    def _check_target(self):
        for target in self:
            if target.target_level == "user" and not target.user_id:
                raise ValidationError(_("A salesperson target needs a salesperson."))
            if target.target_level == "team" and not target.team_id:
                raise ValidationError(_("A team target needs a sales team."))
            if target.amount < 0 or target.cost_budget < 0:
                raise ValidationError(_("Targets and budgets cannot be negative."))
            if target.from_members and target.target_level != "team":
                raise ValidationError(_("Only a team target can be the sum of member targets."))

    @api.constrains("target_level", "user_id", "team_id", "period_type", "date_start", "company_id")
    def _check_unique_period(self):
        for target in self:
            domain = [
                ("id", "!=", target.id),
                ("target_level", "=", target.target_level),
                ("period_type", "=", target.period_type),
                ("date_start", "=", target.date_start),
                ("company_id", "=", target.company_id.id),
            ]
            if target.target_level == "user":
                domain.append(("user_id", "=", target.user_id.id))
            else:
                domain.append(("team_id", "=", target.team_id.id))
            if self.sudo().search_count(domain, limit=1):
                raise ValidationError(
                    _(
                        "%(who)s already has a target for %(period)s.",
                        who=(target.user_id or target.team_id).name,
                        period=target.period_label,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        vals_list = [self._normalise_start(dict(vals)) for vals in vals_list]
        targets = super().create(vals_list)
        targets._sync_from_members()
        return targets

    def write(self, vals):
        self._guard_server_fields([vals])
        if "date_start" in vals or "period_type" in vals:
            for target in self:
                super(CrmSalesTarget, target).write(
                    target._normalise_start(dict(vals), target.period_type)
                )
        else:
            super().write(vals)
        self._sync_from_members()
        return True

    def unlink(self):
        scope = self.filtered(lambda t: t.target_level == "user")._period_scope()
        res = super().unlink()
        self._sync_team_targets(scope)
        return res

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """Grouped, targets add up only where the sum means something: a group of one level
        (sales team or salesperson) and one period type. A group mixing them shows no sum of
        targets or budgets (a team's target is not added to its members', a year's to its
        quarters')."""
        summed = [name for name in ("amount", "cost_budget") if _asks_for(fields, name)]
        if not summed:
            return super().read_group(domain, fields, groupby, offset, limit, orderby, lazy)
        probes = [
            "crm_levels:count_distinct(target_level)",
            "crm_types:count_distinct(period_type)",
        ]
        groups = super().read_group(
            domain, [*fields, *probes], groupby, offset, limit, orderby, lazy
        )
        for group in groups:
            levels, types = group.pop("crm_levels", 0) or 0, group.pop("crm_types", 0) or 0
            if levels > 1 or types > 1:
                for name in summed:
                    group.pop(name, None)
        return groups

    def _normalise_start(self, vals, period_type=None):
        period_type = vals.get("period_type") or period_type or "quarter"
        if vals.get("date_start"):
            start = fields.Date.to_date(vals["date_start"])
            vals["date_start"] = periods.bounds(period_type, start)[0]
        return vals

    # ------------------------------------------------------------------ business

    @api.model
    def _get_amount_fields(self):
        return super()._get_amount_fields() | {"amount", "cost_budget"}

    def _period_scope(self):
        return [(t.company_id.id, t.date_start, t.date_end) for t in self]

    def _sync_from_members(self):
        """Team targets that are the sum of their members follow every change."""
        if SYNCING.get():
            return
        self._sync_team_targets(self.filtered(lambda t: t.target_level == "user")._period_scope())
        self.filtered(lambda t: t.from_members)._recompute_from_members()

    def _sync_team_targets(self, scope):
        """Recompute the team targets made of member targets whose period covers one of the
        ``scope`` periods (company, start, end)."""
        if not scope:
            return
        domain = expression.OR(
            [
                [
                    ("company_id", "=", company_id),
                    ("date_start", "<=", start),
                    ("date_end", ">=", end),
                ]
                for company_id, start, end in scope
            ]
        )
        self.sudo().search([("from_members", "=", True), *domain])._recompute_from_members()

    def _recompute_from_members(self):
        for target in self.sudo():
            members = target.team_id.member_ids
            amounts = self._get_target_amounts(
                "user", members.ids, target.date_start, target.date_end, target.company_id.ids
            )
            total = sum(sum(by_company.values()) for by_company in amounts.values())
            if target.amount != total:
                token = SYNCING.set(True)
                try:
                    target.write({"amount": total})
                finally:
                    SYNCING.reset(token)

    @api.model
    def _get_target_amounts(
        self, level, ids, date_from, date_to, company_ids=None, measure="amount"
    ):
        """Targets (or, with ``measure="cost_budget"``, selling cost budgets) of salespeople
        (``level`` "user") or teams over a period, in each company's currency:
        {user or team id: {company id: amount}} (the targets of ``_get_counted_targets``)."""
        result = defaultdict(dict)
        for (entity_id, company_id), (amount, _ids) in self._select_targets(
            level, ids, date_from, date_to, company_ids, measure
        ).items():
            result[entity_id][company_id] = amount
        return result

    @api.model
    def _get_counted_targets(self, level, ids, date_from, date_to):
        """The targets the forecast counts for the period: those whose amounts
        ``_get_target_amounts`` adds up."""
        selected = self._select_targets(level, ids, date_from, date_to)
        return self.browse(sorted(i for _amount, ids in selected.values() for i in ids))

    @api.model
    def _select_targets(self, level, ids, date_from, date_to, company_ids=None, measure="amount"):
        """{(user or team id, company id): (amount, target ids)} of the period, one rule:
        an entity's target for the period is the target of exactly that period when there is
        one; otherwise the sum of its targets of the coarsest period type (year, quarter,
        month) that lies inside it - a quarter without a quarterly target adds up its
        monthly ones. Aggregated in SQL; record rules apply."""
        field = "user_id" if level == "user" else "team_id"
        domain = [
            ("target_level", "=", level),
            ("date_start", ">=", date_from),
            ("date_end", "<=", date_to),
        ]
        if ids is not None:
            domain.append((field, "in", list(ids)))
        if company_ids:
            domain.append(("company_id", "in", list(company_ids)))
        groups = self._read_group(
            domain, [field, "company_id", "period_type"], [f"{measure}:sum", "id:array_agg"]
        )
        by_type = defaultdict(dict)
        for entity, company, period_type, amount, target_ids in groups:
            by_type[entity.id, company.id][period_type] = (amount, target_ids)
        result = {}
        for key, amounts in by_type.items():
            for period_type in periods.TARGET_PERIOD_TYPES:
                if period_type in amounts:
                    result[key] = amounts[period_type]
                    break
        return result
