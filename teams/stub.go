// Package teams routes calls to Kendo teams (one Push API key per team).
//
// This file is the single-team subset the engine is written against; the teams file
// (--teams) and its matching rules replace it.
package teams

import "github.com/aloware-kendo/aloware-kendo/kendo"

// Team is one Kendo team: its name, its Push API key and its pacing.
type Team struct {
	Name          string
	APIKey        string
	WebhookSecret string
	Rate          kendo.Rate
}

// KeyID names the team's key without revealing it.
func (t Team) KeyID() string { return kendo.KeyID(t.APIKey) }

// Fields are the Aloware fields a route is decided on.
type Fields struct {
	CampaignID, RingGroupID, UserID, UserEmail string
}

// Router decides which team a ready call goes to.
type Router struct {
	teams []Team
}

// Single is the router without a teams file: every call goes to the one key.
func Single(apiKey string, rate kendo.Rate) *Router {
	return &Router{teams: []Team{{Name: "default", APIKey: apiKey, Rate: rate}}}
}

// Teams lists the teams.
func (r *Router) Teams() []Team { return r.teams }

// Route returns the team a call goes to.
func (r *Router) Route(Fields) (Team, bool) { return r.teams[0], true }
