"""Installing into a database that already holds opportunities: each gets its forecast
category, won date, forecast date, probabilities and weighted revenue, and the phase win rates
are learnt from the deals closed lately, in a few set-based statements (the columns were
created empty: nothing is computed record by record)."""

from odoo.tools import SQL, convert_file

from . import forecast_sql


def post_init_hook(env):
    load_phase_forecast(env)
    fill_forecast(env)


def load_phase_forecast(env):
    """The forecast of the shipped phases (their default win rate and category, a data file):
    loaded here rather than with the other data, with the opportunities protected, so that the
    ORM does not recompute the forecast of every opportunity one by one; ``fill_forecast``
    then fills it in SQL."""
    Lead = env["crm.lead"].with_context(active_test=False)
    fields = [Lead._fields[name] for name in Lead._get_columns_filled_on_install()]
    with env.protecting(fields, Lead.search([])):
        convert_file(
            env,
            "crm_project_forecast",
            "data/crm_project_phase_data.xml",
            {},
            mode="init",
            noupdate=True,
        )
        env.flush_all()


def fill_forecast(env):
    """The forecast columns still empty, in the order they depend on each other."""
    env.flush_all()
    cr = env.cr
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET forecast_category = %(category)s
              FROM crm_lead l2
              LEFT JOIN crm_project_phase p ON p.id = l2.phase_id
             WHERE l2.id = l.id AND l.forecast_category IS NULL
            """,
            category=forecast_sql.forecast_category("l", "p"),
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET date_won = %(date_won)s
              FROM crm_lead l2
              LEFT JOIN res_users u ON u.id = l2.user_id
              LEFT JOIN res_partner up ON up.id = u.partner_id
              LEFT JOIN res_company co ON co.id = l2.company_id
              LEFT JOIN res_partner cp ON cp.id = co.partner_id
             WHERE l2.id = l.id AND l.date_won IS NULL AND l.outcome = 'won'
            """,
            date_won=forecast_sql.date_won("l", "up", "cp"),
        )
    )
    cr.execute(
        SQL(
            "UPDATE crm_lead l SET forecast_date = %s WHERE l.forecast_date IS NULL",
            forecast_sql.forecast_date("l"),
        )
    )
    env.invalidate_all()
    env["crm.phase.win.rate"]._recompute_win_rates(mark_leads=False)
    cr.execute(
        SQL(
            "UPDATE crm_lead l SET phase_probability = %s WHERE l.phase_probability IS NULL",
            forecast_sql.phase_probability("l"),
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l SET forecast_probability = %s
             WHERE l.forecast_probability IS NULL
            """,
            forecast_sql.forecast_probability("l"),
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET forecast_revenue = %(revenue)s
              FROM crm_lead l2
              LEFT JOIN res_company co ON co.id = l2.company_id
              LEFT JOIN res_currency cur ON cur.id = co.currency_id
             WHERE l2.id = l.id AND l.forecast_revenue IS NULL
            """,
            revenue=forecast_sql.forecast_revenue("l", "cur"),
        )
    )
    env.invalidate_all()
