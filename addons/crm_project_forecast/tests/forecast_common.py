from datetime import date, datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

Q2 = {"period_type": "quarter", "date": "2030-05-01"}


class ForecastCase(TransactionCase):
    """Two companies of our own (USD and EUR, 1 EUR = 2 USD), two teams in the first, one in the
    second, a manager of both, and a hand-built forecast for Q2 2030.

    The opportunities (expected closing in brackets; phase probabilities are the defaults:
    Contact 10 %, Solution Design 25 %, Solution Proof 45 %, Tender 65 %):

    ====  =====  ======  ================  ==========================  =========
    lead  team   rep     phase / outcome   closing                     revenue
    ====  =====  ======  ================  ==========================  =========
    tender  East   rita    Tender (commit)   2030-05-15                   100,000
    proof   East   rita    Proof (best case) 2030-06-30 (last day)         50,000
    contact East   raul    Contact (pipeline)2030-04-01 (first day)        20,000
    july    East   raul    Design            2030-07-01 (next quarter)     30,000
    won     East   rita    won               2030-06-30 21:30 UTC          80,000
    won_q3  East   sho     won (Shanghai)    2030-06-30 23:30 UTC = Jul 1  70,000
    lost    West   wendy   lost in Design    2030-05-20                    40,000
    cancel  West   wendy   cancelled         2030-05-21                    60,000
    undated West   wendy   Contact           none                          15,000
    manual  East   rita    Design, rep: commit at 70 %   2030-05-01        10,000
    euro    Europe eva     Tender (commit)   2030-05-10                 1,000 EUR
    ====  =====  ======  ================  ==========================  =========
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["ir.config_parameter"].sudo().set_param("crm_project_forecast.win_rate_min_deals", 1000)
        cls.usd = env.ref("base.USD")
        cls.eur = env.ref("base.EUR")
        (cls.usd | cls.eur).active = True
        cls.company = env["res.company"].create({"name": "Forecast Co", "currency_id": cls.usd.id})
        cls.company_eu = env["res.company"].create(
            {"name": "Forecast Europe", "currency_id": cls.eur.id}
        )
        env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "rate": 0.5,
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
            }
        )
        companies = cls.company | cls.company_eu
        cls.manager = cls._user(
            "fc_manager", "Mia Manager", "sales_team.group_sale_manager", companies
        )
        cls.rita = cls._user("fc_rita", "Rita East", "sales_team.group_sale_salesman", cls.company)
        cls.raul = cls._user("fc_raul", "Raul East", "sales_team.group_sale_salesman", cls.company)
        cls.sho = cls._user("fc_sho", "Sho East", "sales_team.group_sale_salesman", cls.company)
        cls.sho.tz = "Asia/Shanghai"
        (cls.rita | cls.raul | cls.manager).tz = "UTC"
        cls.wendy = cls._user(
            "fc_wendy", "Wendy West", "sales_team.group_sale_salesman", cls.company
        )
        cls.eva = cls._user(
            "fc_eva", "Eva Europe", "sales_team.group_sale_salesman", cls.company_eu
        )
        Team = env["crm.team"]
        cls.east = Team.create(
            {
                "name": "East",
                "company_id": cls.company.id,
                "member_ids": [Command.set((cls.rita | cls.raul | cls.sho).ids)],
            }
        )
        cls.west = Team.create(
            {
                "name": "West",
                "company_id": cls.company.id,
                "member_ids": [Command.set(cls.wendy.ids)],
            }
        )
        cls.europe = Team.create(
            {
                "name": "Europe",
                "company_id": cls.company_eu.id,
                "member_ids": [Command.set(cls.eva.ids)],
            }
        )
        Stage = env["crm.stage"]
        cls.phases = {
            code: env.ref(f"crm_project_stages.phase_{code}")
            for code in ("contact", "design", "proof", "tender")
        }
        cls.stages = {
            code: Stage.create({"name": f"FC {code}", "sequence": 200 + i, "phase_id": phase.id})
            for i, (code, phase) in enumerate(cls.phases.items())
        }
        cls.stage_won = Stage.create({"name": "FC Won", "sequence": 299, "is_won": True})
        cls.customer = env["res.partner"].create({"name": "Harbour Authority", "is_company": True})
        cls.lost_reason = env["crm.lost.reason"].create({"name": "Competitor cheaper"})
        cls.cancelled = env.ref("crm_project_stages.lost_reason_project_cancelled")

        lead = cls._lead
        cls.tender = lead("Tender deal", cls.rita, cls.east, "tender", 100_000, "2030-05-15")
        cls.proof = lead("Proof deal", cls.rita, cls.east, "proof", 50_000, "2030-06-30")
        cls.contact = lead("Contact deal", cls.raul, cls.east, "contact", 20_000, "2030-04-01")
        cls.july = lead("July deal", cls.raul, cls.east, "design", 30_000, "2030-07-01")
        cls.won = lead("Won deal", cls.rita, cls.east, "tender", 80_000, "2030-06-15")
        cls._win(cls.won, datetime(2030, 6, 30, 21, 30))
        cls.won_q3 = lead("Won in Shanghai", cls.sho, cls.east, "tender", 70_000, "2030-06-30")
        cls._win(cls.won_q3, datetime(2030, 6, 30, 23, 30))
        cls.lost = lead("Lost deal", cls.wendy, cls.west, "design", 40_000, "2030-05-20")
        cls._lose(cls.lost, cls.lost_reason, datetime(2030, 5, 20, 10, 0))
        cls.cancel = lead("Cancelled deal", cls.wendy, cls.west, "contact", 60_000, "2030-05-21")
        cls._lose(cls.cancel, cls.cancelled, datetime(2030, 5, 21, 10, 0))
        cls.undated = lead("Undated deal", cls.wendy, cls.west, "contact", 15_000, False)
        cls.manual = lead("Manual commit", cls.rita, cls.east, "design", 10_000, "2030-05-01")
        cls.manual.write({"forecast_category_manual": "commit", "probability": 70})
        cls.euro = lead(
            "Euro deal", cls.eva, cls.europe, "tender", 1_000, "2030-05-10", company=cls.company_eu
        )

        Target = env["crm.sales.target"]
        Target.create(
            [
                cls._target("team", cls.east, "quarter", "2030-04-01", 150_000, cost_budget=6_000),
                *(
                    cls._target("team", cls.west, "month", month, 10_000)
                    for month in ("2030-04-01", "2030-05-01", "2030-06-01")
                ),
                cls._target("team", cls.europe, "quarter", "2030-04-01", 5_000, cls.company_eu),
                cls._target("user", cls.rita, "quarter", "2030-04-01", 120_000),
                cls._target("user", cls.raul, "year", "2030-01-01", 200_000),
            ]
        )

    @classmethod
    def _user(cls, login, name, group, companies):
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            groups=group,
            company_id=companies[0].id,
            company_ids=[Command.set(companies.ids)],
        )

    @classmethod
    def _lead(cls, name, user, team, phase, revenue, deadline, company=None):
        return (
            cls.env["crm.lead"]
            .with_context(mail_create_nolog=True)
            .create(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": cls.customer.id,
                    "user_id": user.id,
                    "team_id": team.id,
                    "company_id": (company or cls.company).id,
                    "stage_id": cls.stages[phase].id,
                    "expected_revenue": revenue,
                    "date_deadline": deadline,
                }
            )
        )

    @classmethod
    def _win(cls, lead, when):
        lead.write({"stage_id": cls.stage_won.id})
        lead.write({"date_closed": when})

    @classmethod
    def _lose(cls, lead, reason, when):
        lead.action_set_lost(lost_reason_id=reason.id)
        lead.write({"date_closed": when})

    @classmethod
    def _target(cls, level, who, period, start, amount, company=None, cost_budget=0.0):
        return {
            "target_level": level,
            "user_id": who.id if level == "user" else False,
            "team_id": who.id if level == "team" else False,
            "period_type": period,
            "date_start": start,
            "amount": amount,
            "cost_budget": cost_budget,
            "company_id": (company or cls.company).id,
        }

    def dashboard(self, user=None, **params):
        user = user or self.manager
        return (
            self.env["crm.forecast.dashboard"]
            .with_user(user)
            .with_context(allowed_company_ids=user.company_ids.ids, tz=user.tz)
        )

    def data(self, user=None, **params):
        return self.dashboard(user).get_dashboard_data({**Q2, **params})

    @staticmethod
    def day(value):
        return date.fromisoformat(value)
