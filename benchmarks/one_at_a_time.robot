*** Settings ***
Documentation       The baseline benchmarks/pipeline.py compares against: the same work as tasks/casebot.robot,
...                 but one application at a time in a Robot Framework FOR loop, one register query at a time,
...                 as a naive RPA process would do it.
Library             OneAtATime.py


*** Tasks ***
Handle every application, one at a time
    ${count}=    Applications Waiting
    FOR    ${i}    IN RANGE    ${count}
        Handle One Application
    END
