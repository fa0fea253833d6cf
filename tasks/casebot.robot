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
Suite Setup         Start Run
Suite Teardown      Finish Run


*** Tasks ***
Intake
    [Documentation]    Take every submitted application from the case system; each becomes a work item.
    Take Submitted Applications

Fetch register data
    [Documentation]    Ask the register gateway (SSBTEK) about every member of every household.
    ...    An agency that does not answer is asked again later, never read as "no income".
    Fetch Register Data

Decide
    [Documentation]    Riksnorm and reasonable costs against all income; grant the deficit, or refer.
    ...    A random share of grants is put on the follow-up list (stickprov) without delaying payment.
    Decide Ready Applications
    Draw Stickprov Among Grants

Write back
    [Documentation]    Record every decision in the case system, and warn about anything overdue.
    Write Back Decisions
    Report Overdue Applications
