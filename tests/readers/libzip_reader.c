/* libzip_reader ZIP: libzip opened with ZIP_CHECKCONS (the strict mode
 * that PHP's ZipArchive::CHECKCONS and zipcmp use: every local header must
 * agree with its central entry). Prints "NAME<TAB>SHA-256" per file and
 * "NAME<TAB>-" per folder, in archive order, as tests/readers/expect.py
 * does; libzip checks each file's CRC at its end. Exit 1 on any error. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

int
main(int argc, char **argv)
{
	static char buf[1 << 20];
	zip_t *z;
	zip_int64_t i, n;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: libzip_reader ZIP\n");
		return 2;
	}
	z = zip_open(argv[1], ZIP_CHECKCONS | ZIP_RDONLY, &err);
	if (z == NULL) {
		zip_error_t ze;

		zip_error_init_with_code(&ze, err);
		fprintf(stderr, "libzip_reader: %s: %s\n", argv[1], zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return 1;
	}
	n = zip_get_num_entries(z, 0);
	for (i = 0; i < n; i++) {
		const char *name = zip_get_name(z, i, ZIP_FL_ENC_RAW);
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen, k;
		zip_int64_t got;
		zip_file_t *f;
		EVP_MD_CTX *c;

		if (name == NULL)
			goto fail;
		if (name[0] != '\0' && name[strlen(name) - 1] == '/') {
			printf("%s\t-\n", name);
			continue;
		}
		if ((f = zip_fopen_index(z, i, 0)) == NULL)
			goto fail;
		c = EVP_MD_CTX_new();
		EVP_DigestInit_ex(c, EVP_sha256(), NULL);
		while ((got = zip_fread(f, buf, sizeof(buf))) > 0)
			EVP_DigestUpdate(c, buf, (size_t)got);
		EVP_DigestFinal_ex(c, md, &mdlen);
		EVP_MD_CTX_free(c);
		if (got < 0) {
			fprintf(stderr, "libzip_reader: %s: %s\n", name,
			    zip_error_strerror(zip_file_get_error(f)));
			zip_fclose(f);
			zip_discard(z);
			return 1;
		}
		zip_fclose(f);
		printf("%s\t", name);
		for (k = 0; k < mdlen; k++)
			printf("%02x", md[k]);
		printf("\n");
	}
	zip_discard(z);
	return fflush(stdout) == 0 ? 0 : 1;
fail:
	fprintf(stderr, "libzip_reader: entry %lld: %s\n", (long long)i,
	    zip_strerror(z));
	zip_discard(z);
	return 1;
}
