package models

import _ "embed"

// Playbook is the default retention playbook: the rules that suggest an
// action beside each churn score.
//
//go:embed playbook.yaml
var Playbook []byte

// PlaybookFile is the name Playbook is reported under in errors.
const PlaybookFile = "models/playbook.yaml"
