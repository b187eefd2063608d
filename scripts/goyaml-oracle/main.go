// Reads settings as Juju's relation-set/state-set do (readSettings in
// internal/worker/uniter/runner/jujuc/relation-set.go): one input per line of stdin,
// base64-encoded; prints one JSON line per input: {"ok": map} or {"err": message}.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	goyaml "gopkg.in/yaml.v2"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for sc.Scan() {
		data, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil {
			panic(err)
		}
		kvs := make(map[string]string)
		var line []byte
		if err := goyaml.Unmarshal(data, kvs); err != nil {
			line, _ = json.Marshal(map[string]string{"err": err.Error()})
		} else {
			line, _ = json.Marshal(map[string]interface{}{"ok": kvs})
		}
		fmt.Fprintln(out, string(line))
	}
}
