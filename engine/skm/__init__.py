"""The satisfaction survey's rules (Survei Kepuasan Masyarakat, PermenPAN-RB 14/2017), pure: the
questionnaire as data, the index (IKM) and its grade, and the minimum sample. No database, no web."""
