package main

import "github.com/beaconbi/beacon/models"

// demoDashboards are the dashboards served with the embedded demo model;
// a model of one's own has none of them (its metrics differ).
func demoDashboards(modelPath string) ([]models.Dashboard, error) {
	if modelPath != "" {
		return nil, nil
	}
	return models.DemoDashboards()
}
