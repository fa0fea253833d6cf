"""What an auditor runs (`casebot audit …`): verify the trail, read a case's story, re-run decisions,
export them, list the stickprov follow-up. Reads the store only; never changes it."""
