"""Evaluation Managers read every sheet and score but no longer write, create or delete them
through the record rules (scores are the evaluators' own, sheets change through their actions).
The rules are ``noupdate``, so an upgraded database keeps the rules of 18.0.1.1.0 unless this
migration narrows them. Self-contained SQL, as migrations are."""

RULES = {
    "crm_vendor_eval_score_rule_manager": "Vendor Evaluation Scores: all (read)",
    "crm_vendor_eval_assignment_rule_manager": "Vendor Evaluation Assignments: all (read)",
}


def migrate(cr, version):
    for xmlid, name in RULES.items():
        cr.execute(
            """
            UPDATE ir_rule r
               SET perm_read = true, perm_write = false, perm_create = false,
                   perm_unlink = false, name = %s
              FROM ir_model_data d
             WHERE d.module = 'crm_vendor_eval' AND d.name = %s
               AND d.model = 'ir.rule' AND d.res_id = r.id
            """,
            [name, xmlid],
        )
