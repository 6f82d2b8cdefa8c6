"""Decision notes no longer carry the ranking: the chatter is read by every member of the
team, also by one who has not submitted yet once the decision is reopened, and the results are
theirs to see only after submitting (blind scoring). Take the ranking table out of the notes
logged before the upgrade; the chosen vendor and the reason stay, the ranking stays in the
Results tab. Self-contained SQL, as migrations are."""


def migrate(cr, version):
    cr.execute(
        r"""
        UPDATE mail_message
           SET body = regexp_replace(
                   body, '<table class=["'']table table-sm["'']>.*?</table>', '', 'g')
         WHERE model = 'crm.vendor.evaluation' AND message_type = 'notification'
           AND body ~ '<table class=["'']table table-sm["'']>'
        """
    )
