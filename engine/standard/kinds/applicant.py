from .base import APPLICANT, StepKind

KIND = StepKind(
    name="applicant",
    label="dilakukan pemohon",
    performer=APPLICANT,
    receives_requirements=True,
    resumes_clock=False,  # the applicant's own step does not run the office's clock on
)
