"""The satisfaction survey in the case store: invitations per case, responses from every channel (the
applicant's link, the counter's kiosk, paper forms typed or imported), the results per service and period,
and the office's follow-up plan. The arithmetic is engine/skm/."""
