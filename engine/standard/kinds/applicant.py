from .base import APPLICANT, StepKind

KIND = StepKind(
    name="applicant",
    label="dilakukan pemohon",
    performer=APPLICANT,
    receives_requirements=True,
    resumes_clock=False,  # the applicant's own step does not run the office's clock on (the officers' check does)
    # Met while the clock runs (paying at the bank, bringing a document), it stands the clock still until done.
    on_enter=("hold_clock",),
    on_approve=("release_clock",),
)
