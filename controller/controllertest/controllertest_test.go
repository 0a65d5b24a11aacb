package controllertest

import (
	"net/http"
	"testing"
)

func TestStartServes(t *testing.T) {
	c := Start(t, nil)
	req, _ := http.NewRequest("GET", c.URL+"/api/v1/services", nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("services: %d", resp.StatusCode)
	}
	c.Stop()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("controller still serving after Stop")
	}
}
