from odoo import api, models


class ReportVendorComparison(models.AbstractModel):
    """The printed comparison (PDF and HTML routes): refused like the Excel file to members who
    have not submitted their own scores."""

    _name = "report.crm_vendor_eval.report_vendor_comparison"
    _description = "Vendor Comparison Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        evaluations = self.env["crm.vendor.evaluation"].browse(docids)
        evaluations._check_comparison_access()
        return {
            "doc_ids": docids,
            "doc_model": "crm.vendor.evaluation",
            "docs": evaluations,
        }
