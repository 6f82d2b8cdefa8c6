"""*Decided On* (``date_decided``) is new: an evaluation that was ever decided is never deleted.
Fill it for the evaluations decided before the upgrade: those decided now, and those decided
then reopened, known by the chatter's tracking of their status (the label *Decided* in any
installed language). Self-contained SQL, as migrations are."""


def migrate(cr, version):
    cr.execute(
        """
        WITH decided AS (
            SELECT m.res_id AS evaluation_id, MAX(m.date) AS date
              FROM mail_tracking_value t
              JOIN mail_message m ON m.id = t.mail_message_id
              JOIN ir_model_fields f ON f.id = t.field_id
              JOIN ir_model_fields_selection s ON s.field_id = f.id AND s.value = 'done'
             WHERE f.model = 'crm.vendor.evaluation' AND f.name = 'state'
               AND m.model = 'crm.vendor.evaluation'
               AND t.new_value_char IN (SELECT label FROM jsonb_each_text(s.name) AS l(lang, label))
          GROUP BY m.res_id
        )
        UPDATE crm_vendor_evaluation e
           SET date_decided = COALESCE(decided.date, e.write_date)
          FROM crm_vendor_evaluation e2
     LEFT JOIN decided ON decided.evaluation_id = e2.id
         WHERE e2.id = e.id AND e.date_decided IS NULL
           AND (e.state = 'done' OR decided.evaluation_id IS NOT NULL)
        """
    )
