module github.com/berth-dev/berth

go 1.24.0
