/*
 * qp_json - read JSON for the shell tests, so that no test needs python3.
 *
 *   qp_json get FILE KEY                 member KEY of the object in FILE: a
 *                                        string as its bytes, anything else
 *                                        as compact JSON; no newline added
 *   qp_json each FILE ARRAY KEY          member KEY of each object in the
 *                                        array member ARRAY, one a line
 *   qp_json body-has NOTE FIELD VALUE    line 2 of the entry note NOTE is an
 *                                        object whose "body" has the string
 *                                        FIELD equal to VALUE byte for byte
 *   qp_json contains FILE VALUE          some string value in FILE (at any
 *                                        depth; not a key) contains VALUE
 *
 * Exit status: 0 yes (or printed), 1 no (the member is missing, the value
 * differs), 2 the input is not what a test may compare: unreadable, not
 * JSON, not UTF-8, a raw control character in a string, a duplicate key, or
 * a \u0000 escape (a C string could not hold it).  Tests treat any non-zero
 * status as a failure, so a mistake here fails a test, never passes one.
 *
 * The document is checked before cJSON sees it because cJSON lets through
 * what a strict parser (Python's json, which these tests used before)
 * rejects: invalid UTF-8 and raw control characters in strings.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define EXIT_NO	   1
#define EXIT_ERROR 2

static int error(const char *file, const char *what)
{
	fprintf(stderr, "qp_json: %s: %s\n", file, what);
	return EXIT_ERROR;
}

/* Reads all of PATH into a NUL-terminated buffer the caller frees; NULL on error. */
static char *slurp(const char *path, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len < cap - 1)
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	if (ferror(f) || !buf) {
		free(buf);
		fclose(f);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*out_len = len;
	return buf;
}

/* Length of the UTF-8 sequence at S (at most LEN bytes), 0 if it is not
 * well formed: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* NULL if TEXT (LEN bytes) may go to cJSON, else what is wrong with it. */
static const char *unfit(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	bool in_string = false;
	for (size_t i = 0; i < len;) {
		if (s[i] == '\0')
			return "a NUL byte";
		size_t n = utf8_len(s + i, len - i);
		if (n == 0)
			return "not UTF-8";
		if (in_string && s[i] < 0x20)
			return "a raw control character in a string";
		if (in_string && s[i] == '\\') {
			if (i + 1 < len && s[i + 1] == 'u' && len - i >= 6 &&
			    memcmp(s + i + 2, "0000", 4) == 0)
				return "a \\u0000 escape";
			i += 2; /* the escaped character is ASCII or the parser rejects it */
			continue;
		}
		if (s[i] == '"')
			in_string = !in_string;
		i += n;
	}
	return NULL;
}

/* true if some object at or under ITEM has two members of the same name. */
static bool has_duplicate_key(const cJSON *item)
{
	for (const cJSON *a = item->child; a; a = a->next) {
		if (cJSON_IsObject(item))
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return true;
		if (has_duplicate_key(a))
			return true;
	}
	return false;
}

/* Parses TEXT after checking it; NULL (message printed) if it is unfit. */
static cJSON *parse(const char *file, const char *text, size_t len)
{
	const char *why = unfit(text, len);
	if (why) {
		error(file, why);
		return NULL;
	}
	cJSON *json = cJSON_ParseWithOpts(text, NULL, 1);
	if (!json) {
		error(file, "not JSON");
		return NULL;
	}
	if (has_duplicate_key(json)) {
		cJSON_Delete(json);
		error(file, "a duplicate key");
		return NULL;
	}
	return json;
}

static cJSON *load(const char *file)
{
	size_t len;
	char *text = slurp(file, &len);
	if (!text) {
		error(file, "cannot read it");
		return NULL;
	}
	cJSON *json = parse(file, text, len);
	free(text);
	return json;
}

/* Writes ITEM: a string as its bytes, anything else as compact JSON. */
static int print(const cJSON *item)
{
	if (cJSON_IsString(item))
		return fputs(item->valuestring, stdout) < 0 ? -1 : 0;
	char *text = cJSON_PrintUnformatted(item);
	if (!text)
		return -1;
	int rc = fputs(text, stdout) < 0 ? -1 : 0;
	cJSON_free(text);
	return rc;
}

static int cmd_get(const char *file, const char *key)
{
	cJSON *json = load(file);
	if (!json)
		return EXIT_ERROR;
	int rc = EXIT_NO;
	const cJSON *item = cJSON_IsObject(json) ? cJSON_GetObjectItemCaseSensitive(json, key) : NULL;
	if (item)
		rc = print(item) == 0 ? 0 : error("stdout", "write error");
	cJSON_Delete(json);
	return rc;
}

static int cmd_each(const char *file, const char *array, const char *key)
{
	cJSON *json = load(file);
	if (!json)
		return EXIT_ERROR;
	int rc = EXIT_NO;
	const cJSON *list = cJSON_IsObject(json) ? cJSON_GetObjectItemCaseSensitive(json, array) : NULL;
	if (cJSON_IsArray(list)) {
		rc = 0;
		const cJSON *element;
		cJSON_ArrayForEach(element, list)
		{
			const cJSON *item =
			    cJSON_IsObject(element) ? cJSON_GetObjectItemCaseSensitive(element, key) : NULL;
			if (!item) {
				rc = EXIT_NO;
				break;
			}
			if (print(item) != 0 || putchar('\n') == EOF) {
				rc = error("stdout", "write error");
				break;
			}
		}
	}
	cJSON_Delete(json);
	return rc;
}

static int cmd_body_has(const char *file, const char *field, const char *value)
{
	size_t len;
	char *note = slurp(file, &len);
	if (!note)
		return error(file, "cannot read it");
	char *line = memchr(note, '\n', len);
	if (!line) {
		free(note);
		return error(file, "no second line");
	}
	line++;
	size_t rest = len - (size_t)(line - note);
	char *end = memchr(line, '\n', rest);
	size_t line_len = end ? (size_t)(end - line) : rest;
	line[line_len] = '\0'; /* a NUL byte within the line is still seen by parse() */
	cJSON *json = parse(file, line, line_len);
	free(note);
	if (!json)
		return EXIT_ERROR;
	int rc = EXIT_NO;
	const cJSON *body = cJSON_IsObject(json) ? cJSON_GetObjectItemCaseSensitive(json, "body") : NULL;
	if (!cJSON_IsObject(body))
		rc = error(file, "line 2 has no body object");
	else {
		const cJSON *got = cJSON_GetObjectItemCaseSensitive(body, field);
		if (cJSON_IsString(got) && strcmp(got->valuestring, value) == 0)
			rc = 0;
	}
	cJSON_Delete(json);
	return rc;
}

/* true if some string value at or under ITEM contains VALUE. */
static bool any_contains(const cJSON *item, const char *value)
{
	if (cJSON_IsString(item))
		return strstr(item->valuestring, value) != NULL;
	for (const cJSON *child = item->child; child; child = child->next)
		if (any_contains(child, value))
			return true;
	return false;
}

static int cmd_contains(const char *file, const char *value)
{
	cJSON *json = load(file);
	if (!json)
		return EXIT_ERROR;
	int rc = any_contains(json, value) ? 0 : EXIT_NO;
	cJSON_Delete(json);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;
	if (argc == 4 && strcmp(argv[1], "get") == 0)
		rc = cmd_get(argv[2], argv[3]);
	else if (argc == 5 && strcmp(argv[1], "each") == 0)
		rc = cmd_each(argv[2], argv[3], argv[4]);
	else if (argc == 5 && strcmp(argv[1], "body-has") == 0)
		rc = cmd_body_has(argv[2], argv[3], argv[4]);
	else if (argc == 4 && strcmp(argv[1], "contains") == 0)
		rc = cmd_contains(argv[2], argv[3]);
	else {
		fputs("usage: qp_json get FILE KEY | each FILE ARRAY KEY | body-has NOTE FIELD VALUE |"
		      " contains FILE VALUE\n",
		      stderr);
		return EXIT_ERROR;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return error("stdout", "write error");
	return rc;
}
