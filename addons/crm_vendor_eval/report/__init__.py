from . import report_vendor_comparison
