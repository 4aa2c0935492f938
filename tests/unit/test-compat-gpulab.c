/* test-compat-gpulab.c: the GPULab translations (compat-gpulab.c): a
 * create-container body into berth's, each refusal with its message, and
 * berth's workspace, template, volume and GPU JSON in GPULab's shapes. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "compat-gpulab.h"
#include "err.h"

static json_t *
parse(const char *s)
{
	json_t *v = json_loads(s, 0, NULL);

	if (v == NULL) {
		fprintf(stderr, "bad test JSON: %s\n", s);
		exit(2);
	}
	return v;
}

/* The deploy body for in, compact, or "ERR:<message>". */
static char *
deploy(const char *in, const char **volref)
{
	json_t *v = parse(in), *out = NULL;
	const char *vr;
	char *s;

	err_clear();
	if (gpulab_deploy_body(v, &out, &vr) != 0) {
		size_t n = strlen(err_msg()) + 5;
		s = malloc(n);
		snprintf(s, n, "ERR:%s", err_msg());
	} else
		s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	if (volref != NULL)
		*volref = vr != NULL ? "set" : NULL;
	json_decref(out);
	json_decref(v);
	return s;
}

static void
test_deploy(void)
{
	const char *vr;
	char *s;

	s = deploy("{\"server_name\":\"train\",\"type\":\"GPU\",\"gpu_type\":"
	    "\"NVIDIA L40S\",\"template_uuid\":\"default\","
	    "\"network_volume_uuid\":\"av\",\"opened_ports\":\"8080, 3000\","
	    "\"environment_variables\":{\"A\":\"b\",\"N\":3},\"command\":"
	    "\"python t.py\",\"memory\":16,\"image_pull_policy\":\"cached\","
	    "\"volume_mount_path\":\"/data\"}", &vr);
	CHECK_EQ_STR(s, "{\"command\":\"python t.py\",\"env\":{\"A\":\"b\","
	    "\"N\":\"3\"},\"gpu\":\"NVIDIA L40S\",\"memory\":\"16g\",\"name\":"
	    "\"train\",\"ports\":[8080,3000],\"template\":\"default\","
	    "\"volumes\":[{\"mount\":\"/data\"}],\"wait\":false}");
	CHECK(vr != NULL);
	free(s);

	/* CPU: no GPU; the legacy env string; the default mount. */
	s = deploy("{\"server_name\":\"c\",\"type\":\"CPU\",\"gpu_type\":"
	    "\"RTX 4090\",\"environment_variables\":\"A=1\\nB=x=y\\n=z\\nC\","
	    "\"network_volume_uuid\":\"v\"}", &vr);
	CHECK_EQ_STR(s, "{\"env\":{\"A\":\"1\",\"B\":\"x=y\"},\"gpu\":\"none\","
	    "\"name\":\"c\",\"volumes\":[{\"mount\":\"/workspace\"}],"
	    "\"wait\":false}");
	free(s);
	s = deploy("{\"server_name\":\"c\",\"gpu_type\":\"cpu\"}", &vr);
	CHECK_EQ_STR(s, "{\"gpu\":\"none\",\"name\":\"c\",\"wait\":false}");
	CHECK(vr == NULL);
	free(s);

	s = deploy("{\"gpu_type\":\"none\"}", NULL);
	CHECK_EQ_STR(s, "ERR:server_name is required");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"colour\":\"red\"}", NULL);
	CHECK_EQ_STR(s, "ERR:unknown field 'colour'");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"opened_ports\":\"80,http\"}",
	    NULL);
	CHECK_HAS(s, "ERR:opened_ports must be port numbers");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"opened_ports\":\"70000\"}", NULL);
	CHECK_HAS(s, "ERR:opened_ports");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"memory\":0}", NULL);
	CHECK_HAS(s, "ERR:memory must be a whole number");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"memory\":\"16\"}", NULL);
	CHECK_HAS(s, "ERR:memory");
	free(s);
	s = deploy("{\"server_name\":1}", NULL);
	CHECK_EQ_STR(s, "ERR:server_name must be a string");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"environment_variables\":[1]}",
	    NULL);
	CHECK_HAS(s, "ERR:environment_variables must be");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"environment_variables\":"
	    "{\"A\":{}}}", NULL);
	CHECK_HAS(s, "ERR:environment_variables.A must be a string");
	free(s);
	s = deploy("{\"server_name\":\"x\",\"volume_mount_path\":\"/d\"}",
	    NULL);
	CHECK_HAS(s, "ERR:volume_mount_path needs network_volume_uuid");
	free(s);
}

static void
test_container(void)
{
	json_t *ws = parse("{\"id\":\"0f42d20d-3f86\",\"name\":\"w1\","
	    "\"state\":\"running\",\"template\":\"default\",\"image\":\"img\","
	    "\"gpu\":{\"uuid\":\"GPU-1\",\"model\":\"NVIDIA L40S\","
	    "\"memory_mb\":46068,\"index\":3,\"profile\":null},\"cpus\":0.5,"
	    "\"memory\":\"2g\",\"gpu_request\":\"1\",\"env\":{\"A\":\"b\"},"
	    "\"ports\":[8080,3000],\"volumes\":[{\"name\":\"dv\",\"mount\":"
	    "\"/data\",\"volume_id\":\"vid\"}],\"command\":[\"/bin/bash\","
	    "\"-c\",\"sleep 1\"],\"created_at\":\"2026-12-01T10:00:00Z\","
	    "\"started_at\":\"2026-12-01T10:00:05Z\",\"stopped_at\":null,"
	    "\"terminal_url\":\"http://t/\",\"error\":\"\"}");
	json_t *c = gpulab_container(ws, 1, 1796119205 + 3725);
	char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);

	CHECK_EQ_STR(s, "{\"allocated_cpu_cores\":1,\"command\":\"sleep 1\","
	    "\"created_at\":\"2026-12-01T10:00:00Z\",\"environment_variables\":"
	    "{\"A\":\"b\"},\"gpu_count\":1,\"gpu_type\":{\"gpu_name\":"
	    "\"NVIDIA L40S\"},\"gpus\":[{\"gpu_index\":\"3\",\"gpu_status\":"
	    "\"allocated\",\"gpu_temperature\":null,\"gpu_uuid\":\"GPU-1\","
	    "\"memory_used\":0,\"total_memory\":46068,\"type\":{\"gpu_name\":"
	    "\"NVIDIA L40S\"}}],\"memory\":2,\"network_volume\":{\"mount\":"
	    "\"/data\",\"volumeName\":\"dv\",\"volumeUuid\":\"vid\"},"
	    "\"opened_ports\":\"8080,3000\",\"public_urls\":null,"
	    "\"server_name\":\"w1\",\"status\":\"running\",\"template\":"
	    "{\"docker_image\":\"img\",\"name\":\"default\"},\"type\":\"GPU\","
	    "\"updated_at\":\"2026-12-01T10:00:05Z\",\"uptime\":\"1h02m\","
	    "\"uuid\":\"0f42d20d-3f86\",\"volume_mount_path\":\"/data\","
	    "\"web_terminal\":{\"terminal_url\":\"http://t/\"}}");
	free(s);
	json_decref(c);
	json_decref(ws);

	/* A stopped CPU workspace: no uptime, null memory below 1 GB, the
	 * command words joined, the error as logs. */
	ws = parse("{\"id\":\"x\",\"name\":\"n\",\"state\":\"failed\","
	    "\"gpu\":null,\"gpu_request\":\"none\",\"memory\":\"64m\","
	    "\"ports\":[],\"volumes\":[],\"command\":[\"python\",\"t.py\"],"
	    "\"error\":\"boom\",\"created_at\":\"2026-12-01T10:00:00Z\"}");
	c = gpulab_container(ws, 1, 0);
	CHECK_EQ_STR(json_string_value(json_object_get(c, "type")), "CPU");
	CHECK(json_is_null(json_object_get(c, "memory")));
	CHECK(json_is_null(json_object_get(c, "uptime")));
	CHECK(json_is_null(json_object_get(c, "opened_ports")));
	CHECK(json_is_null(json_object_get(c, "network_volume")));
	CHECK(json_is_null(json_object_get(c, "gpu_type")));
	CHECK_EQ_INT(json_integer_value(json_object_get(c, "gpu_count")), 0);
	CHECK_EQ_STR(json_string_value(json_object_get(c, "command")),
	    "python t.py");
	CHECK_EQ_STR(json_string_value(json_object_get(c, "logs")), "boom");
	json_decref(c);
	c = gpulab_container(ws, 0, 0);
	CHECK(json_object_get(c, "logs") == NULL);
	CHECK(json_object_get(c, "template") == NULL);
	json_decref(c);
	json_decref(ws);
}

static void
test_resources(void)
{
	json_t *in, *out;
	char *s;

	in = parse("{\"name\":\"t\",\"description\":\"d\",\"image\":\"i\","
	    "\"memory\":4294967296,\"gpu\":\"none\",\"ports\":[80,443],"
	    "\"env\":{\"K\":\"v\"},\"command\":[\"sh\",\"-c\",\"x\"]}");
	out = gpulab_template(in);
	CHECK_EQ_STR(json_string_value(json_object_get(out, "templateUuid")),
	    "t");
	CHECK_EQ_STR(json_string_value(json_object_get(out, "dockerImage")),
	    "i");
	CHECK_EQ_STR(json_string_value(json_object_get(out, "containerType")),
	    "cpu");
	CHECK_EQ_STR(json_string_value(json_object_get(out, "exposedPorts")),
	    "80,443");
	CHECK_EQ_INT(json_array_size(json_object_get(out, "portsArray")), 2);
	CHECK_EQ_INT(json_integer_value(json_object_get(out, "memoryLimit")),
	    4);
	CHECK_EQ_STR(json_string_value(json_object_get(out, "command")), "x");
	json_decref(out);
	json_decref(in);

	in = parse("{\"id\":\"vid\",\"name\":\"av\",\"size_gib\":2,"
	    "\"created_at\":\"2026-12-01T10:00:00Z\"}");
	out = gpulab_volume(in);
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_EQ_STR(s, "{\"createdAt\":\"2026-12-01T10:00:00Z\","
	    "\"isDeleted\":0,\"maxSize\":2,\"status\":\"available\","
	    "\"updatedAt\":\"2026-12-01T10:00:00Z\",\"usedSize\":null,"
	    "\"volumeName\":\"av\",\"volumeUuid\":\"vid\"}");
	free(s);
	json_decref(out);
	json_decref(in);

	in = parse("[{\"model\":\"NVIDIA H100\",\"profile\":null,"
	    "\"memory_mb\":81559,\"total\":2,\"free\":1},{\"model\":"
	    "\"NVIDIA H100\",\"profile\":\"1g.10gb\",\"memory_mb\":9984,"
	    "\"total\":7,\"free\":7}]");
	out = gpulab_gpu_types(in);
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_EQ_STR(s, "[{\"available_count\":1,\"gpu_name\":\"NVIDIA H100\","
	    "\"gpu_price\":null,\"gpu_total_memory\":81559,\"total_count\":2},"
	    "{\"available_count\":7,\"gpu_name\":\"1g.10gb\",\"gpu_price\":"
	    "null,\"gpu_total_memory\":9984,\"total_count\":7}]");
	free(s);
	json_decref(out);
	json_decref(in);

	in = parse("[{\"uuid\":\"a\",\"model\":\"L4\",\"memory_mb\":23034},"
	    "{\"uuid\":\"b\",\"model\":\"L4\",\"memory_mb\":23034},"
	    "{\"uuid\":\"c\",\"model\":\"A100\",\"profile\":\"2g.20gb\","
	    "\"memory_mb\":19968}]");
	out = gpulab_gpu_available(in);
	s = json_dumps(json_object_get(out, "summary"), JSON_COMPACT |
	    JSON_SORT_KEYS);
	CHECK_EQ_STR(s, "[{\"count\":2,\"gpu_name\":\"L4\",\"memory_mb\":"
	    "23034,\"price\":null},{\"count\":1,\"gpu_name\":\"2g.20gb\","
	    "\"memory_mb\":19968,\"price\":null}]");
	CHECK_EQ_INT(json_integer_value(json_object_get(out,
	    "total_available")), 3);
	CHECK_EQ_INT(json_array_size(json_object_get(out, "gpus")), 3);
	free(s);
	json_decref(out);
	json_decref(in);
}

int
main(void)
{
	test_deploy();
	test_container();
	test_resources();
	CHECK_DONE();
}
