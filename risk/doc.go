// Package risk is Beacon's churn early warning: the features computed from a
// bank's own history, the models that turn them into a probability of
// leaving (histogram gradient-boosted trees and logistic regression), their
// calibration and held-out evaluation, and the scores, tiers, reasons and
// playbook actions that relationship managers work from.
//
// The models are written here in plain Go because no well-kept Go library
// trains gradient-boosted trees; logistic regression uses gonum.
package risk
