from . import crm_phase_force_wizard
