"""18.0.1.x -> 18.0.2.0.0, once the phases are records (the four of the sales method are loaded
by now): every stage, opportunity, history row, checklist item and line, problem, and (from
18.0.1.1.0) win rate and frozen forecast line points to the phase record of the phase it had;
the stored facts of the new release are filled (outcome, stalled date, history facts, forecast
date; the won date by the one time-zone rule); settings move to the phases and to the forecast
addon; the salespeople's target rules get the domain of this release (they are noupdate);
the scheduled jobs of the forecast become noupdate.

Self-contained SQL, as migrations are: these statements are this release's rules as they stand
today, not calls to code that may change."""

CODES = ("contact", "design", "proof", "tender")
DEFAULT_FORECAST = {
    "contact": (10.0, "pipeline"),
    "design": (25.0, "pipeline"),
    "proof": (45.0, "best_case"),
    "tender": (65.0, "commit"),
}
RULES = {
    "crm_sales_target_rule_personal": (
        "Sales Targets: own and own teams' targets",
        "['|', ('user_id', '=', user.id), '&', ('target_level', '=', 'team'), '|', "
        "('team_id', 'in', user.crm_team_ids.ids), ('team_id.user_id', '=', user.id)]",
    ),
    "crm_forecast_report_rule_personal": (
        "Forecast Analysis: own and unassigned deals, own and own teams' targets",
        "['|', ('user_id', '=', user.id), '|', '&', ('row_type', '=', 'opportunity'), "
        "('user_id', '=', False), '&', ('target_level', '=', 'team'), '|', "
        "('team_id', 'in', user.crm_team_ids.ids), ('team_id.user_id', '=', user.id)]",
    ),
}
PHASE = "(SELECT p.id FROM crm_project_phase p WHERE p.code = {old} ORDER BY p.id LIMIT 1)"


def migrate(cr, version):
    if not version:
        return
    _phases_as_records(cr)
    _stall_days(cr)
    _lead_facts(cr)
    _history_facts(cr)
    if _column_exists(cr, "crm_phase_win_rate", "phase"):
        _forecast(cr)


def _column_exists(cr, table, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        [table, column],
    )
    return bool(cr.fetchone())


def _set_phase(cr, table, old, new="phase_id"):
    if _column_exists(cr, table, old):
        cr.execute(
            f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{new}" int4;'
            f'UPDATE "{table}" x SET "{new}" = {PHASE.format(old=f"x.{old}")} '
            f'WHERE x."{new}" IS NULL AND x.{old} IS NOT NULL'
        )


def _phases_as_records(cr):
    _set_phase(cr, "crm_stage", "project_phase")
    _set_phase(cr, "crm_phase_checklist_item", "phase")
    _set_phase(cr, "crm_lead", "project_phase")
    _set_phase(cr, "crm_lead_phase_history", "phase")
    _set_phase(cr, "crm_lead_problem", "phase")
    cr.execute(
        """
        UPDATE crm_phase_checklist_item i SET phase_sequence = p.sequence
          FROM crm_project_phase p WHERE p.id = i.phase_id;
        UPDATE crm_lead_checklist_line l
           SET phase_id = i.phase_id, phase_sequence = i.phase_sequence
          FROM crm_phase_checklist_item i WHERE i.id = l.item_id;
        UPDATE crm_lead_phase_history h SET phase_sequence = p.sequence
          FROM crm_project_phase p WHERE p.id = h.phase_id;
        UPDATE crm_lead l SET phase_sequence = p.sequence
          FROM crm_project_phase p WHERE p.id = l.phase_id;
        """
    )
    # The furthest phase reached: as recorded (18.0.1.1.0), else from the history.
    if _column_exists(cr, "crm_lead", "phase_reached"):
        _set_phase(cr, "crm_lead", "phase_reached", "phase_reached_id")
    cr.execute(
        """
        UPDATE crm_lead l
           SET phase_reached_id = r.phase_id
          FROM (SELECT DISTINCT ON (h.lead_id) h.lead_id, h.phase_id
                  FROM crm_lead_phase_history h
                 ORDER BY h.lead_id, h.phase_sequence DESC) r
         WHERE r.lead_id = l.id AND l.phase_reached_id IS NULL;
        UPDATE crm_lead l SET phase_reached_id = l.phase_id
         WHERE l.phase_reached_id IS NULL AND l.phase_id IS NOT NULL;
        UPDATE crm_lead l SET phase_reached_sequence = p.sequence
          FROM crm_project_phase p WHERE p.id = l.phase_reached_id;
        """
    )


def _stall_days(cr):
    """The days of each phase were settings of the whole database: they are the phases'."""
    for code in CODES:
        key = f"crm_project_stages.stall_days_{code}"
        cr.execute(
            """
            UPDATE crm_project_phase p SET stall_days = c.value::int
              FROM ir_config_parameter c
             WHERE c.key = %s AND c.value ~ '^[0-9]+$' AND p.code = %s
            """,
            [key, code],
        )
        cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", [key])


def _lead_facts(cr):
    """Outcome, then stalled date, as ``crm.lead`` computes them in this release."""
    cr.execute(
        """
        UPDATE crm_lead l
           SET outcome = CASE WHEN l.active THEN
                                  CASE WHEN COALESCE(s.is_won, false) THEN 'won' ELSE 'open' END
                              WHEN COALESCE(l.probability, 0) <> 0 THEN 'archived'
                              WHEN COALESCE(r.is_cancellation, false) THEN 'cancelled'
                              ELSE 'lost' END
          FROM crm_lead l2
          LEFT JOIN crm_stage s ON s.id = l2.stage_id
          LEFT JOIN crm_lost_reason r ON r.id = l2.lost_reason_id
         WHERE l2.id = l.id;
        UPDATE crm_lead l
           SET date_stalled = l.phase_date_in + make_interval(days => COALESCE(
                   (SELECT pc.stall_days FROM crm_project_phase_company pc
                     WHERE pc.phase_id = l.phase_id AND pc.company_id = l.company_id),
                   p.stall_days) + 1)
          FROM crm_project_phase p
         WHERE p.id = l.phase_id;
        """
    )


def _history_facts(cr):
    """The facts of each stay and of each first stay in a phase, and the facts of its
    opportunity the history keeps for the funnel (``crm.lead.phase.history``)."""
    cr.execute(
        """
        WITH facts AS (
            SELECT h.id,
                   row_number() OVER stays = 1 AS first,
                   sum(EXTRACT(EPOCH FROM h.date_out - h.date_in) / 86400.0)
                       FILTER (WHERE h.date_out IS NOT NULL) OVER phase AS closed_days,
                   min(h.date_in) FILTER (WHERE h.date_out IS NULL) OVER phase AS open_since
              FROM crm_lead_phase_history h
            WINDOW phase AS (PARTITION BY h.lead_id, h.phase_id),
                   stays AS (PARTITION BY h.lead_id, h.phase_id ORDER BY h.date_in, h.id)
        )
        UPDATE crm_lead_phase_history h
           SET duration = COALESCE(EXTRACT(EPOCH FROM h.date_out - h.date_in) / 86400.0, 0),
               is_first_entry = facts.first,
               phase_closed_days = CASE WHEN facts.first THEN COALESCE(facts.closed_days, 0)
                                        ELSE 0 END,
               phase_open_since = CASE WHEN facts.first THEN facts.open_since END,
               lead_type = l.type,
               lead_user_id = l.user_id,
               lead_team_id = l.team_id,
               lead_outcome = l.outcome,
               lead_phase_id = l.phase_id,
               lead_phase_reached_sequence = l.phase_reached_sequence,
               lead_expected_revenue = l.expected_revenue
          FROM facts, crm_lead l
         WHERE facts.id = h.id AND l.id = h.lead_id
        """
    )


def _forecast(cr):
    """18.0.1.1.0 held a forecast: its data goes on in crm_project_forecast (loaded next)."""
    cr.execute(
        """
        ALTER TABLE crm_project_phase ADD COLUMN IF NOT EXISTS default_win_rate float8;
        ALTER TABLE crm_project_phase ADD COLUMN IF NOT EXISTS forecast_category varchar;
        ALTER TABLE crm_lead ADD COLUMN IF NOT EXISTS forecast_date date;
        ALTER TABLE crm_forecast_snapshot_line ADD COLUMN IF NOT EXISTS forecast_date date;
        """
    )
    for code, (rate, category) in DEFAULT_FORECAST.items():
        cr.execute(
            "UPDATE crm_project_phase SET default_win_rate = %s, forecast_category = %s "
            "WHERE code = %s",
            [rate, category, code],
        )
    _set_phase(cr, "crm_phase_win_rate", "phase")
    _set_phase(cr, "crm_forecast_snapshot_line", "project_phase")
    cr.execute(
        """
        UPDATE crm_phase_win_rate w SET phase_sequence = p.sequence
          FROM crm_project_phase p WHERE p.id = w.phase_id;
        UPDATE crm_forecast_snapshot_line
           SET forecast_date = CASE WHEN forecast_category = 'won' THEN date_won
                                    ELSE date_deadline END;
        -- The won day in the salesperson's time zone, else the company's, else UTC.
        UPDATE crm_lead l
           SET date_won = (COALESCE(l.date_closed, l.date_last_stage_update)
                           AT TIME ZONE 'UTC'
                           AT TIME ZONE COALESCE(NULLIF(up.tz, ''), NULLIF(cp.tz, ''), 'UTC'))::date
          FROM crm_lead l2
          LEFT JOIN res_users u ON u.id = l2.user_id
          LEFT JOIN res_partner up ON up.id = u.partner_id
          LEFT JOIN res_company co ON co.id = l2.company_id
          LEFT JOIN res_partner cp ON cp.id = co.partner_id
         WHERE l2.id = l.id AND l.outcome = 'won'
           AND COALESCE(l.date_closed, l.date_last_stage_update) IS NOT NULL;
        UPDATE crm_lead
           SET forecast_date = CASE WHEN forecast_category = 'won' THEN date_won
                                    ELSE date_deadline END;
        UPDATE ir_config_parameter
           SET key = replace(key, 'crm_project_stages.win_rate_',
                             'crm_project_forecast.win_rate_')
         WHERE key LIKE 'crm_project_stages.win_rate_%';
        """
    )
    for xmlid, (name, domain) in RULES.items():
        cr.execute(
            """
            UPDATE ir_rule r SET name = %s, domain_force = %s
              FROM ir_model_data d
             WHERE d.module = 'crm_project_forecast' AND d.name = %s
               AND d.model = 'ir.rule' AND d.res_id = r.id
            """,
            [name, domain, xmlid],
        )
    cr.execute(
        """
        UPDATE ir_model_data SET noupdate = true
         WHERE module = 'crm_project_forecast'
           AND (name LIKE 'ir\\_cron\\_recompute\\_win\\_rates%'
                OR name LIKE 'ir\\_cron\\_forecast\\_snapshot%')
        """
    )
