"""The citizens' online channel (layanan daring): applicants' accounts and sessions, uploaded requirements,
applying and correcting online, and the signed product's download. Above the case engine: an online
application is a case like any other, opened and completed through engine/cases/service.py."""
