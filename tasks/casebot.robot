*** Settings ***
Documentation       Monthly repeat applications for försörjningsstöd, from the case system to a decision.
...
...                 The routine a caseworker used to follow for every repeat application, done by the
...                 robot for a whole batch at once: take the submitted applications, fetch what the
...                 registers say about every member of the household, work out the need and the
...                 income by the rules, and record the decision. The robot only grants; everything
...                 else goes to a caseworker with the reasons spelled out. The per-case audit trail is
...                 in the worker's store; this log is the record of the run.
Library             robots.keywords.CasebotKeywords
Suite Setup         Open Worker
Suite Teardown      Close Worker


*** Tasks ***
Decide the submitted applications
    [Documentation]    The steps overlap: an application goes on to the next as soon as it is ready.
    ...    1. Intake: take every submitted application from the case system; each becomes a work item.
    ...    2. Fetch: ask the register gateway (SSBTEK) about every member of every household. An agency
    ...    that does not answer is asked again later, never read as "no income".
    ...    3. Decide: riksnorm and reasonable costs against all income; grant the deficit, or refer.
    ...    4. Write back: record every decision in the case system; a grant is paid once.
    ...    Then a random share of grants is put on the follow-up list (stickprov) without delaying
    ...    payment, anything overdue is reported, and the operators are alerted once to what needs a person.
    [Tags]    försörjningsstöd    repeat-applications    decide
    Run One Pass
