"""The data-protection officer's review of one patient's record: everything recorded about them and who
opened it (GDPR Art. 15), each look given a reason and audited."""
